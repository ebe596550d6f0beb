"""Transfer and hold from the call popup, in Chromium: the agent hands a call to a colleague, whose popup
opens with the caller; hold turns the popup's button to Resume."""

import frappe

from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk, wait_until_shown
from telephony_crm.tests.browser.fixtures import make_desk_user, make_known_customer

AGENT_ROLES = ("Telephony Agent", "Sales User")
COLLEAGUE_NAME = "Ann <b>Lee</b>"


class TestTransferFromThePopup(BrowserCase):
	@classmethod
	def make_data(cls):
		cls.agent = make_desk_user(AGENT_ROLES, cls.provider, "101")
		cls.colleague = make_desk_user(AGENT_ROLES, cls.provider, "102")
		# Whatever a colleague calls themselves is shown as text in the picker.
		frappe.db.set_value("User", cls.colleague.name, {"first_name": "Ann", "full_name": COLLEAGUE_NAME})
		cls.users += [cls.agent.name, cls.colleague.name]
		cls.customer = make_known_customer(orders=1)
		cls.customers.append(cls.customer)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.page = cls.open_desk(cls.agent)
		cls.colleague_page = cls.open_desk(cls.colleague)

	def setUp(self):
		self.stub.commands.clear()
		go_to_desk(self.page)

	def answered(self) -> tuple[str, str]:
		call_id, call = self.ring(self.customer.number, "101")
		self.post_event(event="answered", call_id=call_id, extension="101")
		self.popup(self.page, call, "In Progress").wait_for()
		return call_id, call

	def test_transfer_opens_the_colleagues_popup_with_the_caller(self):
		call_id, call = self.answered()
		popup = self.popup(self.page, call)
		popup.locator('[data-action="transfer"]').click()
		dialog = self.page.locator(".modal.show", has_text=f"Transfer call {call}")
		wait_until_shown(dialog)
		colleague = dialog.locator(f'select[data-fieldname="to_user"] option[value="{self.colleague.name}"]')
		self.assertEqual(colleague.inner_text(), f"{COLLEAGUE_NAME} (102)")
		dialog.locator('select[data-fieldname="to_user"]').select_option(self.colleague.name)
		dialog.locator('select[data-fieldname="mode"]').select_option("blind")
		self.screenshot(dialog.locator(".modal-content"), "transfer-1-picker")
		dialog.locator(".modal-footer .btn-primary").click()

		command = self.wait_for(lambda: self.stub.commands and self.stub.commands[0]["json"])
		self.assertEqual(
			(command["action"], command["call_id"], command["target"], command["mode"]),
			("transfer", call_id, "102", "blind"),
		)
		# The PBX rings the colleague and they pick up.
		self.post_event(event="answered", call_id=call_id, extension="102")
		colleague_popup = self.popup(self.colleague_page, call, "In Progress")
		colleague_popup.wait_for()
		name = colleague_popup.locator('[data-role="caller-name"]')
		name.wait_for()
		self.assertEqual(name.inner_text(), self.customer.name)
		colleague_popup.locator(
			f'[data-section="sales_orders"] [data-name="{self.customer.sales_orders[0]}"]'
		).wait_for()
		colleague_popup.locator('[data-action="transfer"]').wait_for()
		self.screenshot(colleague_popup, "transfer-2-colleagues-popup")
		# The call is the colleague's now: the agent's popup has closed.
		popup.wait_for(state="detached")
		self.post_event(event="ended", call_id=call_id)

	def test_hold_turns_into_resume(self):
		call_id, call = self.answered()
		popup = self.popup(self.page, call)
		popup.locator('[data-action="hold"]').click()
		popup.locator('[data-role="on-hold"]').wait_for()
		self.assertEqual(popup.locator('[data-action="transfer"]').count(), 0)
		self.screenshot(popup, "transfer-3-on-hold")
		popup.locator('[data-action="resume"]').click()
		popup.locator('[data-action="hold"]').wait_for()
		self.assertEqual([c["json"]["action"] for c in self.stub.commands], ["hold", "resume"])
		self.post_event(event="ended", call_id=call_id)
