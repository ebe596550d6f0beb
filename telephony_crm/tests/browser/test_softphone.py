"""The browser softphone on the lab PBX, speaking real SIP: the desk registers the agent's browser line
over WebSocket, rings and answers calls in the popup with audio both ways, mutes, sends DTMF, hangs up,
dials click-to-call, keeps one registration across tabs and registers again after a PBX restart. The AMI
connector follows the PBX meanwhile and writes the call log, as in production.

Runs with the lab PBX (providers/asterisk/tests/asterisk) and TELEPHONY_TEST_AMI (or the site config
telephony_test_ami) pointing at it."""

import fcntl
import shutil
import subprocess
import time
import unittest
from pathlib import Path

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.providers.asterisk.protocol import AmiConnectionError
from telephony_crm.providers.asterisk.tests.live import SKIP_REASON, live_ami
from telephony_crm.providers.asterisk.tests.site import ConnectorThread, connector_state, wait_until
from telephony_crm.tests.browser.desk import artifacts_dir, launch_chromium, open_desk
from telephony_crm.tests.browser.fixtures import make_desk_user, make_known_customer, remove_test_data
from telephony_crm.tests.browser.lab_pbx import (
	MEDIA_ARGS,
	PBX_LOCK,
	WEBSOCKET_URL,
	LabPbx,
	PbxEvents,
	line_password,
	make_lab_provider,
)
from telephony_crm.tests.browser.servers import BenchServers
from telephony_crm.tests.factories import make_provider, unique, unique_mobile, use_region

LIVE = live_ami()
AGENT_ROLES = ("Telephony Agent", "Sales User")
LINE = "203"
SIPP_LINE = "305"
CALL = "Telephony Call Log"
SIPP_SCENARIO = Path(__file__).resolve().parents[2] / "providers/asterisk/tests/asterisk/sipp/call_line.xml"


def wait_registered(page) -> None:
	from playwright.sync_api import TimeoutError

	try:
		page.wait_for_function("() => window.frappe?.telephony_softphone?.registered")
	except TimeoutError:
		state = page.evaluate(
			"() => [frappe.boot.telephony?.browser_line, JSON.stringify(frappe.telephony_softphone?.state)]"
		)
		raise AssertionError(f"the line did not register: {state}")


def selected_addresses(page) -> list[str]:
	"""The local and remote address of the ICE pair the browser's call uses."""
	return page.evaluate(
		"""async () => {
			const [call] = frappe.telephony_softphone.line.sessions.values();
			const stats = [...(await call.session.connection.getStats()).values()];
			const by_id = new Map(stats.map((s) => [s.id, s]));
			const pair = by_id.get(stats.find((s) => s.type === "transport").selectedCandidatePairId);
			return [by_id.get(pair.localCandidateId).address, by_id.get(pair.remoteCandidateId).address];
		}"""
	)


def leave(page) -> None:
	"""Close the tab as a person does (the line unregisters on the way out)."""
	page.close(run_before_unload=True)


@unittest.skipUnless(LIVE, SKIP_REASON)
class TestSoftphone(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.artifacts = artifacts_dir()
		cls.pbx = LabPbx(LIVE)
		cls.provider = make_lab_provider(LIVE)
		cls.users, cls.customers = [], []
		cls.addClassCleanup(lambda: remove_test_data(cls.provider, cls.users, cls.customers))
		cls.agent = make_desk_user(
			AGENT_ROLES, cls.provider, LINE, browser_calls=1, sip_password=line_password(LINE)
		)
		cls.users.append(cls.agent.name)
		cls.customer = make_known_customer(orders=0)
		cls.customers.append(cls.customer)
		popups = frappe.db.get_single_value("Telephony Settings", "popups_enabled")
		frappe.db.set_single_value("Telephony Settings", "popups_enabled", 1)
		cls.addClassCleanup(
			lambda: frappe.db.set_single_value("Telephony Settings", "popups_enabled", popups)
		)
		frappe.db.commit()

		connector = ConnectorThread(cls.provider).__enter__()
		cls.addClassCleanup(connector.__exit__)
		wait_until(lambda: connector_state(cls.provider) == "connected", what="the AMI connector")
		cls.servers = BenchServers(frappe.local.site, cls.artifacts).start()
		cls.addClassCleanup(cls.servers.stop)
		cls.playwright, cls.browser = launch_chromium(MEDIA_ARGS)
		cls.addClassCleanup(cls.playwright.stop)
		cls.addClassCleanup(cls.browser.close)

	def setUp(self):
		self.addCleanup(self.pbx.hang_up_all, LINE)

	def desk(self, context=None):
		if context:
			page = context.new_page()
			page.goto("/app")
		else:
			page = open_desk(self.browser, self.servers.url, self.agent.name, self.agent.password)
			self.addCleanup(lambda: page.context.close())
		# What the desk said, for when a test fails: among the artifacts.
		log = self.artifacts / f"softphone-console-{self._testMethodName}.log"
		page.on("console", lambda message: log.open("a").write(f"{message.type}: {message.text}\n"))
		return page

	def registered_desk(self):
		page = self.desk()
		wait_registered(page)
		return page

	def popup_of(self, page, call_id: str):
		call = wait_until(
			lambda: frappe.db.get_value(CALL, {"provider": self.provider, "call_id": call_id}),
			what="the connector's record of the call",
		)
		return call, page.locator(f'.telephony-call-popup[data-call="{call}"]')

	def screenshot(self, locator, name: str) -> None:
		locator.screenshot(path=self.artifacts / f"{name}.png")

	def media(self) -> tuple[int, int]:
		channel = wait_until(lambda: self.pbx.line_channel(LINE), what="the line's channel")
		return self.pbx.rtp_counts(channel)

	def media_after(self, seconds: float) -> tuple[tuple[int, int], tuple[int, int]]:
		before = self.media()
		time.sleep(seconds)
		return before, self.media()

	def test_the_line_registers_with_the_pbx(self):
		page = self.registered_desk()
		self.assertEqual(len(self.pbx.contacts(LINE)), 1)
		# The navbar handset shows the browser line, and its menu the audio devices.
		page.locator('.telephony-line-status[data-state="registered"]').wait_for()
		page.locator('.telephony-line-status [data-role="line-status"]').click()
		devices = page.locator('.softphone-devices select[data-device="microphone"]')
		devices.wait_for()
		self.assertGreater(devices.locator("option").count(), 1)  # the default, and the fake microphone
		self.screenshot(page.locator(".telephony-line-status .dropdown-menu"), "softphone-handset-menu")

	def test_an_incoming_call_is_answered_and_run_from_the_popup(self):
		page = self.registered_desk()
		call_id = unique("softphone-in")
		self.pbx.ring_line(LINE, self.customer.number.lstrip("+"), call_id)
		call, popup = self.popup_of(page, call_id)
		panel = popup.locator('[data-role="softphone"][data-softphone-state="ringing"]')
		panel.wait_for()
		self.assertEqual(page.evaluate("() => frappe.telephony_softphone.audio.ringing"), True)
		self.assertEqual(popup.locator('[data-action="reject"]').count(), 0)  # Decline is the line's
		self.screenshot(popup, "softphone-ringing")
		panel.locator('[data-softphone="answer"]').click()
		popup.locator('[data-softphone-state="talking"]').wait_for()
		self.assertEqual(page.evaluate("() => frappe.telephony_softphone.audio.ringing"), False)
		popup.locator('[data-status="In Progress"], [data-role="timer"]').first.wait_for()

		wait_until(lambda: all(self.media()), what="media both ways (ICE and DTLS done)")
		self.assertEqual(selected_addresses(page), ["127.0.0.1", "127.0.0.1"], "media on loopback only")
		(rx0, tx0), (rx1, tx1) = self.media_after(2)
		self.assertGreater(rx1, rx0, "the PBX receives the browser's audio")
		self.assertGreater(tx1, tx0, "the PBX sends audio to the browser")

		popup.locator('[data-softphone="mute"]').click()
		popup.locator('[data-softphone="unmute"]').wait_for()
		time.sleep(0.5)  # packets on their way when the microphone left the call
		(rx0, tx0), (rx1, tx1) = self.media_after(2)
		self.assertEqual(rx1, rx0, "muted, the browser sends nothing")
		self.assertGreater(tx1, tx0, "muted, the caller is still heard")
		popup.locator('[data-softphone="unmute"]').click()
		popup.locator('[data-softphone="mute"]').wait_for()
		(rx0, _), (rx1, _) = self.media_after(2)
		self.assertGreater(rx1, rx0, "unmuted, the browser's audio flows again")

		# The popup's keypad: the key reaches the PBX as a DTMF digit on the line's channel.
		with PbxEvents(LIVE, "dtmf") as pbx_events:
			popup.locator('[data-softphone="keypad"]').click()
			popup.locator('[data-softphone="dtmf"][data-key="7"]').click()
			digits = wait_until(
				lambda: [
					e.get("Digit")
					for e in pbx_events.events
					if e.get("Event") == "DTMFEnd" and e.get("Channel", "").startswith(f"PJSIP/{LINE}-")
				],
				what="the keypad's digit at the PBX",
			)
		self.assertEqual(digits, ["7"])
		self.screenshot(popup, "softphone-talking")

		popup.locator('[data-softphone="hold"]').click()
		popup.locator('[data-softphone="unhold"]').wait_for()  # the PBX took the re-INVITE
		popup.locator('[data-softphone="unhold"]').click()
		popup.locator('[data-softphone="hold"]').wait_for()

		popup.locator('[data-softphone="hangup"]').click()
		page.locator(f'.telephony-call-popup[data-call="{call}"][data-status="Completed"]').wait_for()
		record = wait_until(
			lambda: (
				(
					c := frappe.db.get_value(
						CALL, call, ["status", "answered_by", "agent", "direction"], as_dict=True
					)
				)
				and c.status == "Completed"
				and c
			),
			what="the call completed",
		)
		self.assertEqual(
			(record.direction, record.answered_by, record.agent),
			("Inbound", self.agent.name, self.agent.name),
		)

	def test_declined_call_is_not_answered(self):
		page = self.registered_desk()
		call_id = unique("softphone-decline")
		self.pbx.ring_line(LINE, unique_mobile().lstrip("+"), call_id)
		call, popup = self.popup_of(page, call_id)
		popup.locator('[data-softphone="decline"]').click()
		record = wait_until(
			lambda: (
				(c := frappe.db.get_value(CALL, call, ["status", "answered_by"], as_dict=True))
				and c.status not in ("Ringing", "In Progress")
				and c
			),
			what="the call's end",
		)
		self.assertIsNone(record.answered_by)
		self.assertEqual(popup.locator('[data-role="softphone"]').get_attribute("data-softphone-state"), "")

	def test_a_dtmf_key_reaches_the_pbx(self):
		page = self.registered_desk()
		with PbxEvents(LIVE) as pbx_events:
			# 602 is an application, not a call the PBX reports (no popup): the line's own keypad sends.
			page.evaluate("() => frappe.telephony_softphone.call('602')")
			page.wait_for_function(
				"() => frappe.telephony_softphone.state.sessions.some((s) => s.state === 'talking')"
			)
			page.evaluate(
				"""() => {
					const phone = frappe.telephony_softphone;
					phone.act(phone.state.sessions[0].id, "dtmf", "5");
				}"""
			)
			digits = wait_until(
				lambda: [e.get("Digit") for e in pbx_events.events if e.get("UserEvent") == "LabDigit"],
				what="the digit at the PBX",
			)
		self.assertEqual(digits, ["5"])

	def test_click_to_call_from_a_customer_goes_out_through_the_browser_line(self):
		page = self.registered_desk()
		page.goto(f"/app/customer/{self.customer.name}")
		page.get_by_role("tab", name="Address & Contact").click()
		page.locator('.frappe-control[data-fieldname="mobile_no"] .phone-btn').click()
		popup = page.locator('.telephony-call-popup[data-direction="Outbound"]').filter(
			has=page.locator("[data-softphone-state]:not([data-softphone-state=''])")
		)
		popup.wait_for()
		call = popup.get_attribute("data-call")
		wait_until(lambda: frappe.db.exists(CALL, call), what="the call in the test's read view")
		record = frappe.get_doc(CALL, call)
		self.assertEqual((record.extension, record.agent), (LINE, self.agent.name))
		self.assertEqual(
			[
				(link.link_doctype, link.link_name, link.origin)
				for link in record.links
				if link.origin == "Placed From"
			],
			[("Customer", self.customer.name, "Placed From")],
		)
		# The lab's simulated outside world answers after a few seconds, and the call is talking.
		popup.locator('[data-softphone-state="talking"]').wait_for()
		popup.locator('[data-softphone="hangup"]').click()
		wait_until(
			lambda: frappe.db.get_value(CALL, call, "status") == "Completed",
			what="the outgoing call completed",
		)

	def test_a_second_tab_does_not_register_a_second_contact(self):
		first = self.registered_desk()
		contacts = self.pbx.contacts(LINE)
		second, third = self.desk(first.context), self.desk(first.context)
		for page in (second, third):
			wait_registered(page)  # the state the first tab broadcasts
			self.assertFalse(page.evaluate("() => frappe.telephony_softphone.holds_line"))
		self.assertEqual(self.pbx.contacts(LINE), contacts)
		leave(first)
		wait_until(
			lambda: (
				second.evaluate("() => frappe.telephony_softphone.holds_line")
				or third.evaluate("() => frappe.telephony_softphone.holds_line")
			),
			what="another tab taking the line over",
		)
		# The first tab's contact went with it, and the new holder's is the line's only one.
		wait_until(
			lambda: len(now := self.pbx.contacts(LINE)) == 1 and now != contacts,
			what="the new tab's contact, alone",
		)

	def test_a_tab_that_does_not_hold_the_line_answers_through_the_one_that_does(self):
		first = self.registered_desk()
		second = self.desk(first.context)
		wait_registered(second)
		call_id = unique("softphone-tab")
		self.pbx.ring_line(LINE, unique_mobile().lstrip("+"), call_id)
		call, popup = self.popup_of(second, call_id)
		popup.locator('[data-softphone="answer"]').click()
		popup.locator('[data-softphone-state="talking"]').wait_for()
		wait_until(lambda: all(self.media()), what="media both ways, in the tab holding the line")
		self.assertTrue(first.evaluate("() => frappe.telephony_softphone.holds_line"))
		self.assertFalse(second.evaluate("() => frappe.telephony_softphone.holds_line"))
		popup.locator('[data-softphone="hangup"]').click()
		second.locator(f'.telephony-call-popup[data-call="{call}"][data-status="Completed"]').wait_for()

	def test_the_line_registers_again_after_a_pbx_restart(self):
		page = self.registered_desk()
		with open(PBX_LOCK, "a") as lock:
			fcntl.flock(lock, fcntl.LOCK_EX)
			try:
				try:
					self.pbx.run(lambda client: client.action("Command", {"Command": "core restart now"}))
				except AmiConnectionError:
					pass  # the PBX went before it answered

				page.wait_for_function("() => !frappe.telephony_softphone.registered", timeout=30_000)
				wait_until(lambda: _answers(self.pbx), timeout=60, what="the PBX back")
			finally:
				fcntl.flock(lock, fcntl.LOCK_UN)
		page.wait_for_function("() => frappe.telephony_softphone.registered", timeout=60_000)
		wait_until(lambda: self.pbx.contacts(LINE), what="the contact at the restarted PBX")

	@unittest.skipUnless(shutil.which("sipp"), "sipp (Debian's sip-tester) is not installed")
	def test_a_sip_phone_calls_the_browser_line(self):
		page = self.registered_desk()
		number = unique_mobile().lstrip("+")
		sipp = subprocess.Popen(
			[
				"sipp",
				"127.0.0.1:5060",
				"-sf",
				str(SIPP_SCENARIO),
				"-m",
				"1",
				"-i",
				"127.0.0.1",
				"-p",
				"0",
				"-s",
				LINE,
				"-au",
				SIPP_LINE,
				"-ap",
				line_password(SIPP_LINE),
				"-set",
				"caller",
				number,
				"-set",
				"line",
				SIPP_LINE,
				"-timeout",
				"60",
				"-nostdin",
				"-trace_err",
				# With the test's artifacts, not beside the scenario in the checkout.
				"-error_file",
				str(self.artifacts / "sipp-call-errors.log"),
			],
			cwd=self.artifacts,
			stdout=subprocess.DEVNULL,
		)
		self.addCleanup(lambda: sipp.poll() is None and sipp.kill())
		popup = page.locator(".telephony-call-popup").filter(
			has=page.locator('[data-softphone-state="ringing"]')
		)
		popup.wait_for()
		call = popup.get_attribute("data-call")
		popup = page.locator(f'.telephony-call-popup[data-call="{call}"]')
		popup.locator('[data-softphone="answer"]').click()
		popup.locator('[data-softphone-state="talking"]').wait_for()
		self.assertEqual(sipp.wait(60), 0, "sipp's call ended as its scenario says")
		record = wait_until(
			lambda: (
				(
					c := frappe.db.get_value(
						CALL, call, ["status", "answered_by", "external_number"], as_dict=True
					)
				)
				and c.status == "Completed"
				and c
			),
			what="the call completed",
		)
		self.assertEqual(record.answered_by, self.agent.name)
		self.assertTrue(record.external_number.endswith(number[-10:]), record.external_number)


def _answers(pbx) -> bool:
	try:
		return bool(pbx.run(lambda client: client.action("Ping")))
	except Exception:
		return False
