"""The call record in the desk: it reads as what it is (the PBX's facts, read-only), and nothing a call
carries is ever run as markup by the app's own pages."""

import frappe

from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk, wait_until_shown
from telephony_crm.tests.browser.fixtures import make_desk_user
from telephony_crm.tests.factories import unique_mobile

CALL = "Telephony Call Log"
MARKUP = '<img src=x onerror="window.__pwned = 1">'
FACTS = ("status", "direction", "agent", "caller_number", "talk_duration", "started_at")


class TestCallRecord(BrowserCase):
	@classmethod
	def make_data(cls):
		cls.supervisor = make_desk_user(("Telephony Supervisor", "System Manager"), cls.provider, "201")
		cls.users.append(cls.supervisor.name)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.page = cls.open_desk(cls.supervisor)

	def test_the_call_form_shows_the_pbx_facts_read_only(self):
		call_id, call = self.ring(unique_mobile(), "201")
		self.post_event(event="ended", call_id=call_id)
		go_to_desk(self.page, f"/app/telephony-call-log/{call}")
		self.page.wait_for_function("(call) => window.cur_frm?.docname === call", arg=call)
		form = self.page.locator(".page-container:visible")
		form.locator(".form-message", has_text="Recorded by").wait_for()
		for field in FACTS:
			control = form.locator(f'.frappe-control[data-fieldname="{field}"]')
			self.assertEqual(control.locator("input, select, textarea").count(), 0, field)
		save = self.page.locator(".page-actions .primary-action")
		self.assertFalse(save.is_visible())
		self.screenshot(self.page, "call-form-read-only")

		# A note is what people write: the form saves it.
		form.locator('.frappe-control[data-fieldname="notes"] .ql-editor:visible').fill(
			"Called back, all good"
		)
		save.wait_for()
		save.click()
		self.wait_for(
			lambda: "all good" in (frappe.db.get_value(CALL, call, "notes") or ""),
			message="the note was not saved",
		)

	def test_markup_in_a_call_never_runs_in_the_popup_or_its_dialogs(self):
		call_id, call = self.ring(unique_mobile(), "201")
		self.popup(self.page, call).wait_for()
		# Whatever reached the database before its values were cleaned: the desk shows it as text.
		frappe.db.set_value(
			CALL, call, {"external_number": f"+7{MARKUP}", "caller_name": MARKUP}, update_modified=False
		)
		frappe.db.commit()
		go_to_desk(self.page)
		popup = self.popup(self.page, call)
		popup.locator('[data-action="link-number"]').click()
		dialog = self.page.locator(".modal.show", has_text="to a record")
		wait_until_shown(dialog)
		self.assertIn(MARKUP, dialog.locator(".modal-title").inner_text())
		self.assertIn(MARKUP, popup.locator('[data-role="number"]').inner_text())
		self.assertIsNone(self.page.evaluate("() => window.__pwned"))
		self.screenshot(self.page, "markup-shown-as-text")
		dialog.locator(".btn-modal-close").click()
		self.post_event(event="ended", call_id=call_id)
		popup.locator('[data-action="close"]').click()

	def test_the_emulator_shows_answers_as_text(self):
		go_to_desk(self.page, "/app/telephony-emulator")
		provider = self.page.locator('[data-fieldname="provider"] input')
		provider.fill("")
		provider.press_sequentially(self.provider)
		self.page.locator(".awesomplete [role=option]", has_text=self.provider).first.click()
		self.page.locator('[data-fieldname="extension"] input').fill("201")
		self.page.locator('[data-fieldname="number"] input').fill(MARKUP)
		self.page.get_by_role("button", name="Send").click()
		# The webhook refuses the number; the answer and the curl command show it as text.
		self.page.locator('[data-role="emulator-answer"]', has_text="422").wait_for()
		self.assertIn("<img src=x onerror=", self.page.locator('[data-role="curl"]').inner_text())
		self.assertIsNone(self.page.evaluate("() => window.__pwned"))
