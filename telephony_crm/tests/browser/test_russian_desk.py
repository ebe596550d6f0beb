"""The desk in Russian: a user whose language is Russian sees the call popup and the call log in it."""

import frappe

from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk
from telephony_crm.tests.browser.fixtures import make_desk_user, make_known_customer
from telephony_crm.tests.factories import unique_mobile

CALL = "Telephony Call Log"


class TestRussianDesk(BrowserCase):
	@classmethod
	def make_data(cls):
		cls.agent = make_desk_user(
			("Telephony Agent", "Telephony Supervisor", "Sales User", "System Manager"), cls.provider, "301"
		)
		frappe.db.set_value("User", cls.agent.name, "language", "ru")
		cls.users.append(cls.agent.name)
		cls.customer = make_known_customer(orders=1)
		cls.customers.append(cls.customer)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.page = cls.open_desk(cls.agent)

	def test_the_popup_of_an_incoming_call_is_in_russian(self):
		call_id, call = self.ring(self.customer.number, "301")
		popup = self.popup(self.page, call)
		popup.wait_for()
		self.assertEqual(popup.locator('[data-role="direction"]').inner_text(), "Входящий звонок")
		self.assertEqual(popup.locator('[data-role="status"]').inner_text(), "Вызов")
		popup.locator('[data-section="sales_orders"]', has_text="Последние заказы").wait_for()
		self.screenshot(popup, "russian-popup-ringing")

		self.post_event(event="ended", call_id=call_id)
		self.popup(self.page, call, "Missed").wait_for()
		self.assertEqual(popup.locator('[data-role="result"]').inner_text(), "Пропущенный")
		self.screenshot(popup, "russian-popup-missed")
		popup.locator('[data-action="close"]').click()

	def test_the_call_log_is_in_russian(self):
		call_id, call = self.ring(unique_mobile(), "301")
		self.post_event(event="ended", call_id=call_id)
		self.popup(self.page, call, "Missed").locator('[data-action="close"]').click()

		go_to_desk(self.page, "/app/telephony-call-log")
		row = self.page.locator(".list-row-container", has=self.page.locator(f'[data-name="{call}"]'))
		row.wait_for()
		self.assertEqual(self.page.locator(".page-title .title-text").first.inner_text(), "Журнал звонков")
		for label in ("Пропущенный", "Входящий"):
			row.locator(".indicator-pill", has_text=label).first.wait_for()
		self.page.locator(".list-row-head", has_text="Направление").wait_for()
		self.screenshot(self.page, "russian-call-log-list")

		go_to_desk(self.page, f"/app/telephony-call-log/{call}")
		self.page.wait_for_function("(call) => window.cur_frm?.docname === call", arg=call)
		form = self.page.locator(".page-container:visible")
		form.locator(".form-message", has_text="Записано провайдером").wait_for()
		direction = form.locator('.frappe-control[data-fieldname="direction"]')
		self.assertEqual(direction.locator(".control-label").inner_text(), "Направление")
		self.assertEqual(direction.locator(".control-value").inner_text().strip(), "Входящий")
		status = form.locator('.frappe-control[data-fieldname="status"] .control-value')
		self.assertEqual(status.inner_text().strip(), "Пропущенный")
		self.screenshot(self.page, "russian-call-log-form")

	def test_the_provider_settings_are_in_russian(self):
		go_to_desk(self.page, f"/app/telephony-provider-settings/{self.provider}")
		self.page.wait_for_function("(name) => window.cur_frm?.docname === name", arg=self.provider)
		form = self.page.locator(".page-container:visible")
		form.locator(".section-head", has_text="Переадресация при неответе").click()
		for field, label in (
			("forward_number", "Номер переадресации"),
			("dial_timeout", "Время дозвона (секунд)"),
		):
			control = form.locator(f'.frappe-control[data-fieldname="{field}"]')
			self.assertEqual(control.locator(".control-label").inner_text().strip(), label)
		self.screenshot(self.page, "russian-provider-forwarding")
