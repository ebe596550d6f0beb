"""Popup latency: from the ringing webhook sent to the popup on the agent's screen, in Chromium.

    bench --site SITE execute telephony_crm.benchmarks.popup_latency.run --kwargs "{'calls': 50}"

Needs what the browser tests need (Playwright, /usr/bin/chromium). Starts the site's own web and
socket.io servers as the browser tests do, logs an agent in,
then for each call from a known customer: sends the ringing webhook and waits for the popup. The page
notes the first animation frame after the popup enters it, on this machine's clock, as the sender does.
Each call is ended and its popup closed before the next. Its data is removed at the end.
Goal: p95 <= 300 ms.
"""

import time

import frappe
import requests

from telephony_crm.benchmarks.stats import percentile, summary
from telephony_crm.tests.browser.desk import artifacts_dir, launch_chromium, open_desk
from telephony_crm.tests.browser.fixtures import (
	WEBHOOK_PATH,
	make_desk_user,
	make_known_customer,
	remove_test_data,
)
from telephony_crm.tests.browser.servers import BenchServers
from telephony_crm.tests.factories import make_provider, unique, use_region

WARM_UP_CALLS = 3

# For each popup that enters the page, the time of the next frame drawn (ms since the epoch).
NOTE_POPUPS_SHOWN = """() => {
	window.popups_shown = {};
	new MutationObserver((changes) => {
		for (const node of changes.flatMap((change) => [...change.addedNodes])) {
			const call = node.dataset?.call;
			requestAnimationFrame(() => (popups_shown[call] = performance.timeOrigin + performance.now()));
		}
	}).observe(document.querySelector(".telephony-call-popups"), { childList: true });
}"""


def run(calls: int = 50):
	use_region()
	provider = make_provider()
	agent = make_desk_user(("Telephony Agent", "Sales User"), provider.name, "101")
	customer = make_known_customer(orders=5)
	frappe.db.commit()
	servers = BenchServers(frappe.local.site, artifacts_dir())
	try:
		servers.start()
		playwright, browser = launch_chromium()
		try:
			page = open_desk(browser, servers.url, agent.name, agent.password)
			page.wait_for_selector(".telephony-call-popups", state="attached")
			page.evaluate(NOTE_POPUPS_SHOWN)
			webhook = _Webhook(servers.url, provider)
			samples = [_popup_latency(page, webhook, customer.number) for _ in range(WARM_UP_CALLS + calls)]
		finally:
			browser.close()
			playwright.stop()
	finally:
		servers.stop()
		remove_test_data(provider.name, [agent.name], [customer])

	samples = samples[WARM_UP_CALLS:]
	print(f"webhook sent -> popup drawn, {calls} calls (web server: bench serve, 1 process, threaded)")
	print(summary(samples))
	print(
		f"p50 {percentile(samples, 0.5):.0f} ms, p95 {percentile(samples, 0.95):.0f} ms (goal: p95 <= 300 ms)"
	)


class _Webhook:
	def __init__(self, url: str, provider):
		self.session = requests.Session()
		self.url = f"{url}{WEBHOOK_PATH}"
		self.params = {"provider": provider.name}
		self.session.headers["X-Telephony-Token"] = provider.get_password("webhook_secret")

	def send(self, **payload) -> dict:
		response = self.session.post(self.url, params=self.params, json=payload, timeout=10)
		response.raise_for_status()
		return response.json()


def _popup_latency(page, webhook: _Webhook, number: str) -> float:
	call_id = unique("latency")
	sent = time.time() * 1000
	call = webhook.send(
		event="ringing", call_id=call_id, direction="inbound", extension="101", **{"from": number}
	)["call"]
	shown = page.wait_for_function("(call) => popups_shown[call]", arg=call).json_value()
	webhook.send(event="ended", call_id=call_id)
	page.locator(
		f'.telephony-call-popup[data-call="{call}"][data-status="Missed"] [data-action="close"]'
	).click()
	return shown - sent
