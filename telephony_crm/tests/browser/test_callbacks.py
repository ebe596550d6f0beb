"""Call-backs at the desk: the popup's call-back line, and calling back from the ToDo (a masked user too,
by reference to it)."""

import frappe

from telephony_crm.callbacks.fields import NUMBER_FIELD
from telephony_crm.callbacks.sync import sync_callback
from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk
from telephony_crm.tests.browser.fixtures import make_desk_user, make_known_customer
from telephony_crm.tests.test_masking import masking

CALL = "Telephony Call Log"


class TestCallbacksAtTheDesk(BrowserCase):
	@classmethod
	def make_data(cls):
		cls.agent = make_desk_user(("Telephony Agent", "Sales User"), cls.provider, "101")
		cls.manager = make_desk_user(("Telephony Agent", "Sales User"), cls.provider, "102")
		# A name the popup must show as text.
		frappe.db.set_value(
			"User", cls.manager.name, {"first_name": "<b>Olga</b>", "full_name": "<b>Olga</b>"}
		)
		cls.users += [cls.agent.name, cls.manager.name]
		cls.customer = make_known_customer(orders=0)
		frappe.db.set_value("Customer", cls.customer.name, "account_manager", cls.manager.name)
		cls.customers.append(cls.customer)

	def tearDown(self):
		# Each test looks for its own commands to the PBX.
		self.stub.commands.clear()
		frappe.db.rollback()
		for todo in frappe.get_all("ToDo", {NUMBER_FIELD: self.customer.number}, pluck="name"):
			frappe.delete_doc("ToDo", todo, ignore_permissions=True, force=True)
		frappe.db.commit()

	def command(self, action: str) -> dict | None:
		return next((c for c in self.stub.commands if c["json"]["action"] == action), None)

	def miss(self) -> str:
		"""A call from the customer nobody answered, and the call-back job a worker would run."""
		call_id, call = self.ring(self.customer.number, "101")
		self.post_event(event="ended", call_id=call_id)
		sync_callback(call)
		return call

	def test_the_popup_says_who_calls_back(self):
		self.miss()
		self.miss()
		page = self.open_desk(self.agent)
		_, call = self.ring(self.customer.number, "101")
		line = self.popup(page, call).locator('[data-section="callback"]')
		line.wait_for()
		self.assertIn("Missed 2 times since", line.inner_text())
		self.assertIn("call-back assigned to <b>Olga</b>", line.inner_text())
		self.assertEqual(line.locator("a").count(), 0, "the agent may not open the manager's ToDo")
		self.screenshot(self.popup(page, call), "callback-1-popup-line")
		self.post_event(event="ended", call_id=frappe.db.get_value(CALL, call, "call_id"))

	def test_call_back_from_the_todo(self):
		missed = self.miss()
		todo = frappe.db.get_value("ToDo", {"telephony_call": missed}, "name")
		page = self.open_desk(self.manager)
		go_to_desk(page, f"/app/todo/{todo}")
		page.get_by_role("button", name="Call back").click()
		originate = self.wait_for(lambda: self.command("originate"), message="no originate reached the PBX")
		self.assertEqual(originate["json"]["extension"], "102")
		call = self.wait_for(lambda: frappe.db.get_value(CALL, {"call_id": originate["json"]["call_id"]}))
		links = frappe.get_all(
			"Telephony Call Link", {"parent": call}, ["link_doctype", "link_name", "origin"], as_list=True
		)
		self.assertIn(("ToDo", todo, "Placed From"), [tuple(link) for link in links])
		self.post_event(event="ended", call_id=originate["json"]["call_id"])

	def test_a_masked_user_calls_back_without_the_number(self):
		with masking(roles=("Telephony Agent",)):
			missed = self.miss()
			todo = frappe.db.get_value("ToDo", {"telephony_call": missed}, "name")
			page = self.open_desk(self.manager)
			go_to_desk(page, f"/app/todo/{todo}")
			page.get_by_role("button", name="Call back").click()
			originate = self.wait_for(
				lambda: self.command("originate"), message="no originate reached the PBX"
			)
			self.assertIn(self.customer.number[-7:], originate["json"]["number"])
			form = page.locator(".form-layout")
			self.assertIn("Missed Calls", form.inner_text())
			self.assertNotIn("Call-back Number", form.inner_text())
			self.assertNotIn(self.customer.number[-7:], page.content())
			self.screenshot(page.locator(".page-head"), "callback-2-masked-todo")
		self.post_event(event="ended", call_id=originate["json"]["call_id"])

	def test_a_masked_user_opens_their_call_backs_from_the_workspace(self):
		with masking(roles=("Telephony Agent",)):
			missed = self.miss()
			todo = frappe.db.get_value("ToDo", {"telephony_call": missed}, "name")
			page = self.open_desk(self.manager)
			go_to_desk(page, "/app/telephony")
			shortcut = page.locator('.shortcut-widget-box[aria-label="My Missed Call-backs"]')
			shortcut.get_by_text("1 Open").wait_for()
			shortcut.click()
			page.locator(f'.list-row-container [data-name="{todo}"]').first.wait_for()
			self.assertFalse(page.get_by_text("Numbers are masked").is_visible())
			self.screenshot(
				page.locator('[id="page-List/ToDo/List"] .layout-main-section'), "callback-3-masked-list"
			)
