"""The call popup, its quick actions and click-to-call, in Chromium, for agents at their desks."""

import frappe

from telephony_crm.providers.generic_webhook.control import SIGNATURE_HEADER, sign
from telephony_crm.realtime import CALL_EVENT
from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk, wait_until_shown
from telephony_crm.tests.browser.fixtures import make_desk_user, make_known_customer
from telephony_crm.tests.factories import unique_mobile

AGENT_ROLES = ("Telephony Agent", "Sales User")
CALL = "Telephony Call Log"


def seconds(timer: str) -> int:
	"""'1:05' -> 65"""
	minutes, secs = timer.strip().split(":")[-2:]
	return int(minutes) * 60 + int(secs)


class TestCallPopup(BrowserCase):
	@classmethod
	def make_data(cls):
		# The agent's line dials national numbers: +7 916 ... becomes 8 916 ...
		cls.agent = make_desk_user(
			AGENT_ROLES,
			cls.provider,
			"101",
			outgoing_rewrite_pattern=r"^\+7",
			outgoing_rewrite_replacement="8",
		)
		cls.colleague = make_desk_user(AGENT_ROLES, cls.provider, "102")
		cls.without_line = make_desk_user(AGENT_ROLES)
		cls.users += [cls.agent.name, cls.colleague.name, cls.without_line.name]
		cls.customer = make_known_customer(orders=3)
		cls.customers.append(cls.customer)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.page = cls.open_desk(cls.agent)
		# Logged in at the same time; everything the server tells this desk about calls is kept.
		cls.colleague_page = cls.open_desk(cls.colleague)
		cls.colleague_page.evaluate(
			"(event) => { window.calls_told = []; frappe.realtime.on(event, (c) => calls_told.push(c.name)); }",
			CALL_EVENT,
		)

	def setUp(self):
		self.stub.commands.clear()
		# Each test starts on a fresh desk: no dialog or form left over from the one before.
		go_to_desk(self.page)

	def test_known_caller_popup_follows_the_call(self):
		call_id, call = self.ring(self.customer.number, "101")
		popup = self.popup(self.page, call)
		popup.wait_for()
		self.assertEqual(popup.get_attribute("data-status"), "Ringing")
		self.assertEqual(popup.get_attribute("data-direction"), "Inbound")
		self.assertEqual(popup.locator('[data-role="number"]').inner_text(), self.customer.number)
		for order in self.customer.sales_orders:
			popup.locator(f'[data-section="sales_orders"] [data-name="{order}"]').wait_for()
		name = popup.locator('[data-role="caller-name"]')
		self.assertEqual(name.inner_text(), self.customer.name)
		self.assertIn(f"/app/customer/{self.customer.name}", name.get_attribute("href"))
		self.screenshot(popup, "popup-1-ringing")

		self.post_event(event="answered", call_id=call_id, extension="101")
		self.popup(self.page, call, "In Progress").wait_for()
		timer = popup.locator('[data-role="timer"]')
		started = seconds(timer.inner_text())
		self.assertLess(started, 5)
		self.page.wait_for_timeout(2500)
		self.assertGreaterEqual(seconds(timer.inner_text()) - started, 2)
		self.screenshot(popup, "popup-2-in-progress")

		self.post_event(event="ended", call_id=call_id)
		self.popup(self.page, call, "Completed").wait_for()
		self.assertEqual(popup.locator('[data-role="result"]').inner_text(), "Completed")
		self.screenshot(popup, "popup-3-ended")
		# An ended call's popup stays until the agent closes it, while they open what it lists.
		order = self.customer.sales_orders[0]
		popup.locator(f'[data-name="{order}"]').click()
		self.page.wait_for_url(f"**/app/sales-order/{order}")
		self.page.wait_for_function("(order) => window.cur_frm?.docname === order", arg=order)
		self.assertTrue(popup.is_visible())
		popup.locator('[data-action="close"]').click()
		popup.wait_for(state="detached")

	def test_simultaneous_calls_stack(self):
		first_id, first = self.ring(self.customer.number, "101")
		second_id, second = self.ring(unique_mobile(), "101")
		self.popup(self.page, first).wait_for()
		self.popup(self.page, second).wait_for()
		stack = self.page.locator(".telephony-call-popups")
		self.assertEqual(stack.locator(".telephony-call-popup").count(), 2)
		self.screenshot(stack, "popups-stacked")
		for call_id, call in ((first_id, first), (second_id, second)):
			self.post_event(event="ended", call_id=call_id)
			self.popup(self.page, call, "Missed").locator('[data-action="close"]').click()

	def test_a_colleague_at_the_same_time_sees_nothing(self):
		call_id, call = self.ring(self.customer.number, "101")
		popup = self.popup(self.page, call)
		popup.wait_for()
		self.post_event(event="answered", call_id=call_id, extension="101")
		self.post_event(event="ended", call_id=call_id)
		self.popup(self.page, call, "Completed").wait_for()
		popup.locator('[data-action="close"]').click()

		self.colleague_page.wait_for_timeout(500)
		self.assertNotIn(call, self.colleague_page.evaluate("() => calls_told"))
		self.assertEqual(self.colleague_page.locator(".telephony-call-popup").count(), 0)
		# The colleague's desk does listen: a call to their own extension shows.
		own_id, own_call = self.ring(self.customer.number, "102")
		self.popup(self.colleague_page, own_call).wait_for()
		self.post_event(event="ended", call_id=own_id)

	def test_popup_stays_across_pages_and_comes_back_after_a_reload(self):
		call_id, call = self.ring(self.customer.number, "101")
		popup = self.popup(self.page, call)
		popup.wait_for()
		self.page.evaluate("() => frappe.set_route('List', 'Customer')")
		self.page.wait_for_url("**/app/customer**")
		self.assertTrue(popup.is_visible())

		self.page.reload()
		popup.wait_for()  # read back from the server: the call still rings
		self.post_event(event="ended", call_id=call_id)
		self.popup(self.page, call, "Missed").wait_for()
		popup.locator('[data-action="close"]').click()

	def test_todo_from_the_popup_is_linked_to_the_call_and_the_customer(self):
		call_id, call = self.ring(self.customer.number, "101")
		popup = self.popup(self.page, call)
		popup.locator('[data-action="new-todo"]').click()
		dialog = self.page.locator(".modal.show", has_text="New ToDo")
		wait_until_shown(dialog)
		self.screenshot(self.page, "popup-4-new-todo")
		dialog.locator(".modal-footer .btn-primary").click()

		todo = self.wait_for(
			lambda: frappe.db.get_value(
				"ToDo", {"telephony_call": call}, ["name", "reference_type", "reference_name"], as_dict=True
			),
			message="no ToDo was saved with the call",
		)
		self.assertEqual((todo.reference_type, todo.reference_name), ("Customer", self.customer.name))
		links = frappe.get_all(
			"Telephony Call Link", {"parent": call}, ["link_doctype", "link_name"], as_list=True
		)
		self.assertIn(("ToDo", todo.name), [tuple(link) for link in links])
		# The call changed, so its popup lists the new to-do.
		popup.locator(f'[data-section="todos"] [data-name="{todo.name}"]').wait_for()
		self.post_event(event="ended", call_id=call_id)
		popup.locator('[data-action="close"]').click()

	def test_unknown_number_can_be_added_to_a_customer(self):
		number = unique_mobile()
		call_id, call = self.ring(number, "101")
		popup = self.popup(self.page, call)
		popup.locator('[data-role="unknown-number"]').wait_for()
		for action in ("new-customer", "new-lead", "new-contact"):
			popup.locator(f'[data-action="{action}"]').wait_for()
		self.screenshot(popup, "popup-5-unknown-number")

		popup.locator('[data-action="link-number"]').click()
		dialog = self.page.locator(".modal.show", has_text=number)
		wait_until_shown(dialog)
		record = dialog.locator('[data-fieldname="link_name"] input')
		record.click()
		record.press_sequentially(self.customer.name)
		dialog.locator(".awesomplete [role=option]", has_text=self.customer.name).first.click()
		dialog.locator(".modal-footer .btn-primary").click()
		# The call is recognised at once, and the next call from the number too.
		popup.locator('[data-role="caller-name"]', has_text=self.customer.name).wait_for()
		self.assertEqual(
			self.wait_for(lambda: frappe.db.get_value(CALL, call, "customer")), self.customer.name
		)
		self.post_event(event="ended", call_id=call_id)
		popup.locator('[data-action="close"]').click()
		next_id, next_call = self.ring(number, "101")
		self.assertEqual(
			self.wait_for(lambda: frappe.db.get_value(CALL, next_call, "customer")), self.customer.name
		)
		self.post_event(event="ended", call_id=next_id)
		self.popup(self.page, next_call).locator('[data-action="close"]').click()

	def test_reject_makes_the_pbx_hang_up(self):
		call_id, call = self.ring(self.customer.number, "101")
		popup = self.popup(self.page, call)
		popup.locator('[data-action="reject"]').click()
		hangup = self.wait_for(lambda: self.command("hangup"), message="the PBX was not told to hang up")
		self.assertEqual(hangup["json"], {"action": "hangup", "call_id": call_id})
		self.assertSigned(hangup)
		self.popup(self.page, call, "Rejected").wait_for()
		popup.locator('[data-action="close"]').click()

	def test_click_to_call_from_a_customer_sends_a_signed_originate(self):
		self.click_customer_phone(self.page)
		originate = self.wait_for(lambda: self.command("originate"), message="no originate reached the PBX")
		self.assertSigned(originate)
		self.assertEqual(originate["json"]["extension"], "101")
		self.assertEqual(originate["json"]["number"], "8" + self.customer.number[2:])
		call = self.wait_for(lambda: frappe.db.get_value(CALL, {"call_id": originate["json"]["call_id"]}))
		popup = self.popup(self.page, call)
		popup.wait_for()
		self.assertEqual(popup.get_attribute("data-direction"), "Outbound")
		links = frappe.get_all(
			"Telephony Call Link", {"parent": call}, ["link_doctype", "link_name"], as_list=True
		)
		self.assertIn(("Customer", self.customer.name), [tuple(link) for link in links])
		self.screenshot(popup, "popup-6-outbound")
		self.post_event(event="ended", call_id=originate["json"]["call_id"])
		self.popup(self.page, call, "No Answer").wait_for()
		popup.locator('[data-action="close"]').click()

	def test_a_call_the_pbx_refuses_is_shown_as_failed(self):
		self.stub.status = 500
		try:
			self.click_customer_phone(self.page)
			message = self.page.locator(".modal.show", has_text="The call could not be placed")
			message.wait_for()
			self.assertIn("500", message.inner_text())
			message.locator(".btn-modal-close").click()
		finally:
			self.stub.status = 200
		call = frappe.db.get_value(CALL, {"call_id": self.command("originate")["json"]["call_id"]})
		popup = self.popup(self.page, call)
		self.popup(self.page, call, "Failed").wait_for()
		popup.locator('[data-action="close"]').click()

	def test_a_user_without_a_line_is_told_so(self):
		page = self.open_desk(self.without_line)
		try:
			self.click_customer_phone(page)
			message = page.locator(".modal.show", has_text="No phone line")
			message.wait_for()
			self.assertIn("no enabled SIP Account", message.inner_text())
			self.screenshot(message.locator(".modal-content"), "click-to-call-without-a-line")
		finally:
			page.context.close()
		self.assertEqual(self.stub.commands, [])

	def click_customer_phone(self, page):
		page.goto(f"/app/customer/{self.customer.name}")
		page.get_by_role("tab", name="Address & Contact").click()
		page.locator('.frappe-control[data-fieldname="mobile_no"] .phone-btn').click()

	def command(self, action: str) -> dict | None:
		return next((c for c in self.stub.commands if c["json"]["action"] == action), None)

	def assertSigned(self, command):
		self.assertEqual(command["headers"][SIGNATURE_HEADER], sign(command["raw"], self.control_secret))
