"""The browser softphone on the lab PBX: how long the line takes to register, and how long a call takes
from the PBX sending the INVITE to the ring in the desk.

    bench --site SITE execute telephony_crm.benchmarks.softphone_latency.run --kwargs "{'calls': 20}"

Needs the lab PBX (providers/asterisk/tests/asterisk) and TELEPHONY_TEST_AMI or the site config
telephony_test_ami, and what the browser tests need (Playwright, /usr/bin/chromium). Starts the site's
web and socket.io servers, logs an agent with browser line 204 in, then measures:

- registration: the desk loaded afresh `loads` times, from the navigation's start to the line
  registered (the bundle's load, the POST for the line's details, the WebSocket, REGISTER, the digest
  challenge and the second REGISTER); then `registers` times the REGISTER exchange alone, the
  WebSocket open (unregister, then register again);
- ring: `calls` calls from outside (AMI Originate into the trunk's DID of the line), from the PBX's
  DialBegin for the line's channel (the PBX's clock, its AMI event time; the INVITE goes out then) to
  the ringtone started in the desk (this machine's clock too). Each call is hung up before the next.

The agent and the provider are removed at the end.
"""

import frappe

from telephony_crm.benchmarks.stats import percentile, summary
from telephony_crm.providers.asterisk.tests.live import SKIP_REASON, live_ami
from telephony_crm.tests.browser.desk import artifacts_dir, launch_chromium, open_desk
from telephony_crm.tests.browser.fixtures import make_desk_user, remove_test_data
from telephony_crm.tests.browser.lab_pbx import (
	MEDIA_ARGS,
	LabPbx,
	PbxEvents,
	line_password,
	make_lab_provider,
)
from telephony_crm.tests.browser.servers import BenchServers
from telephony_crm.tests.factories import make_provider, unique, unique_mobile, use_region

LINE = "204"
WARM_UP_CALLS = 2

# In the page: navigation start to the line registered (ms).
LOAD_TO_REGISTERED = """() => new Promise((resolve) => {
	const done = () => resolve(frappe.telephony_softphone.state.registration.at - performance.timeOrigin);
	const check = () => (frappe.telephony_softphone?.registered ? done() : setTimeout(check, 5));
	check();
})"""
# In the page: `n` times, unregister, then time REGISTER until registered (ms each).
REREGISTER = """async (n) => {
	const { ua } = frappe.telephony_softphone.line;
	const times = [];
	for (let i = 0; i < n; i++) {
		await new Promise((resolve) => { ua.once("unregistered", resolve); ua.unregister(); });
		const start = performance.now();
		await new Promise((resolve) => { ua.once("registered", resolve); ua.register(); });
		times.push(performance.now() - start);
	}
	return times;
}"""


def run(calls: int = 20, loads: int = 5, registers: int = 20):
	ami = live_ami()
	if not ami:
		print(SKIP_REASON)
		return
	pbx = LabPbx(ami)
	provider = make_lab_provider(ami)
	agent = make_desk_user(
		("Telephony Agent",), provider, LINE, browser_calls=1, sip_password=line_password(LINE)
	)
	frappe.db.commit()
	servers = BenchServers(frappe.local.site, artifacts_dir())
	try:
		servers.start()
		playwright, browser = launch_chromium(MEDIA_ARGS)
		try:
			page = open_desk(browser, servers.url, agent.name, agent.password)
			loaded = []
			for _ in range(loads):
				page.reload()
				loaded.append(page.evaluate(LOAD_TO_REGISTERED))
			registered = page.evaluate(REREGISTER, registers)
			with PbxEvents(ami, "call") as events:
				rings = [_ring_latency(page, pbx, events) for _ in range(WARM_UP_CALLS + calls)]
		finally:
			browser.close()
			playwright.stop()
	finally:
		servers.stop()
		pbx.hang_up_all(LINE)
		remove_test_data(provider, [agent.name], [])

	rings = rings[WARM_UP_CALLS:]
	print(f"desk loaded -> line registered, {loads} loads: {summary(loaded)}")
	print(f"REGISTER (digest challenge included) -> registered, {registers} times: {summary(registered)}")
	print(f"PBX DialBegin (INVITE sent) -> ring in the desk, {calls} calls: {summary(rings)}")
	print(f"ring p50 {percentile(rings, 0.5):.0f} ms, p95 {percentile(rings, 0.95):.0f} ms")


def _ring_latency(page, pbx: LabPbx, events: PbxEvents) -> float:
	call_id = unique("ring")
	pbx.ring_line(LINE, unique_mobile().lstrip("+"), call_id)
	rang_at = page.wait_for_function(
		"(id) => frappe.telephony_softphone.last_ring?.call_id === id && frappe.telephony_softphone.last_ring.at",
		arg=call_id,
	).json_value()
	dialled = next(
		e
		for e in events.events
		if e.get("Event") == "DialBegin"
		and e.get("DestLinkedid") == call_id
		and e.get("DestChannel", "").startswith(f"PJSIP/{LINE}-")
	)
	pbx.hang_up_all(LINE)
	page.wait_for_function("() => !frappe.telephony_softphone.state.sessions.length")
	return rang_at - float(dialled["Timestamp"]) * 1000
