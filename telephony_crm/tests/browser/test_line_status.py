"""Lines' registration in Chromium: the agent's navbar handset, told live; the browser line's own state
before the PBX's; a section of its menu; a supervisor's SIP Account list; and an open SIP Account form,
which follows the line and saves without tripping the guard."""

import frappe

from telephony_crm.lines.registration import REGISTERED, UNREACHABLE, LineState, set_line_state
from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk
from telephony_crm.tests.browser.fixtures import make_desk_user

# What a phone might put in its REGISTER, had the connector not cleaned it; here it reaches the desk
# as plain text and must stay text.
HOSTILE_DETAIL = "sip:301@10.0.0.9 (&lt;img src=x onerror=alert(1)&gt; {0} Phone)"


class TestLineStatus(BrowserCase):
	@classmethod
	def make_data(cls):
		cls.agent = make_desk_user(("Telephony Agent",), cls.provider, "301")
		cls.supervisor = make_desk_user(("Telephony Supervisor",))
		cls.manager = make_desk_user(("System Manager",))  # who may change lines
		cls.users += [cls.agent.name, cls.supervisor.name, cls.manager.name]

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.agent_page = cls.open_desk(cls.agent)
		cls.supervisor_page = cls.open_desk(cls.supervisor)
		go_to_desk(cls.supervisor_page, "/app/sip-account")

	def handset(self, state: str | None = None):
		selector = ".navbar .telephony-line-status" + (f'[data-state="{state}"]' if state else "")
		return self.agent_page.locator(selector)

	def report(self, state: LineState) -> None:
		set_line_state(self.provider, "301", state)
		frappe.db.commit()

	def test_the_handset_follows_the_lines_registration(self):
		self.handset().wait_for()
		self.report(LineState(REGISTERED, HOSTILE_DETAIL))
		self.handset("registered").wait_for()
		button = self.handset().locator('[data-role="line-status"]')
		self.assertIn(HOSTILE_DETAIL, button.get_attribute("title"))
		button.click()
		self.assertIn(HOSTILE_DETAIL, self.handset().locator("[data-line] .text-break").inner_text())
		self.assertEqual(self.handset().locator("img").count(), 0)
		self.screenshot(self.handset().locator(".dropdown-menu"), "line-status-menu")
		self.screenshot(button, "line-status-registered")
		self.report(LineState(UNREACHABLE, "sip:301@10.0.0.9"))
		self.handset("unregistered").wait_for()
		button.click()  # closed

		line = frappe.db.get_value("SIP Account", {"provider": self.provider, "extension": "301"})
		pill = f'.indicator-pill[data-filter="registration_status,=,{UNREACHABLE}"]'
		row = self.supervisor_page.locator(f'.list-row-container:has([data-name="{line}"]) {pill}').first
		row.wait_for()
		self.screenshot(self.supervisor_page.locator(".frappe-list"), "sip-account-list")

	def test_the_browser_line_is_shown_before_what_the_pbx_says(self):
		self.handset().wait_for()
		self.report(LineState(REGISTERED, "sip:301@10.0.0.9"))
		self.handset("registered").wait_for()
		self.agent_page.evaluate(
			"() => frappe.telephony_line_status.set_browser_state('failed', '<b>WebSocket</b> closed')"
		)
		self.handset("failed").wait_for()
		title = self.handset().locator('[data-role="line-status"]').get_attribute("title")
		self.assertIn("<b>WebSocket</b> closed", title)
		self.agent_page.evaluate("() => frappe.telephony_line_status.set_browser_state(null)")
		self.handset("registered").wait_for()

	def test_a_section_of_the_menu_is_kept_and_replaced_by_its_key(self):
		self.handset().wait_for()
		self.agent_page.evaluate(
			"""() => {
				const $first = $('<div class="devices-first">first</div>').on('click', () => window.clicked = 1);
				frappe.telephony_line_status.menu_section('devices', $first);
				frappe.telephony_line_status.menu_section('other', $('<div class="other-section">x</div>'));
			}"""
		)
		self.report(LineState(UNREACHABLE, "sip:301@10.0.0.10"))  # the menu renders its lines again
		self.handset("unregistered").wait_for()
		self.handset().locator('[data-role="line-status"]').click()
		self.handset().locator(".devices-first").click()
		self.assertEqual(self.agent_page.evaluate("() => window.clicked"), 1)
		self.agent_page.evaluate(
			"() => frappe.telephony_line_status.menu_section('devices', $('<div class=\"devices-second\">2</div>'))"
		)
		self.assertEqual(self.handset().locator(".devices-first").count(), 0)
		self.assertEqual(self.handset().locator(".devices-second, .other-section").count(), 2)

	def test_an_open_form_follows_the_line_and_saves_without_touching_it(self):
		self.started = frappe.utils.now_datetime()
		self.report(LineState(UNREACHABLE, "sip:301@10.0.0.11"))
		line = frappe.db.get_value("SIP Account", {"provider": self.provider, "extension": "301"})
		page = self.open_desk(self.manager)
		self.addCleanup(page.context.close)
		go_to_desk(page, f"/app/sip-account/{line}")
		indicator = page.locator(".page-head .indicator-pill")
		indicator.filter(has_text="Unreachable").wait_for()
		self.report(LineState(REGISTERED, "sip:301@10.0.0.12"))
		indicator.filter(has_text="Registered").wait_for()
		self.screenshot(page.locator(".page-head"), "sip-account-form-indicator")
		# The form now holds what the server has: a save of another field passes the guard.
		page.evaluate("() => { cur_frm.set_value('accept_incoming', cur_frm.doc.accept_incoming ? 0 : 1); }")
		page.evaluate("() => cur_frm.save()")
		self.wait_for(
			lambda: (
				frappe.db.get_value("SIP Account", line, "modified") > frappe.utils.get_datetime(self.started)
			),
			message="the form to be saved",
		)
		self.assertEqual(frappe.db.get_value("SIP Account", line, "registration_detail"), "sip:301@10.0.0.12")
