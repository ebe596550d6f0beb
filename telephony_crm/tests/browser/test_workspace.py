"""The Telephony workspace in Chromium: a supervisor sees its number cards with figures and its charts, an
agent the same cards with their own figures."""

import frappe

from telephony_crm.analytics import cards
from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk
from telephony_crm.tests.browser.fixtures import make_desk_user
from telephony_crm.tests.factories import unique_mobile

CARDS = (
	"Calls Today",
	"Answered Today",
	"Missed, Not Called Back",
	"Average Wait Today",
	"Agents Available Now",
)
CHARTS = ("Calls per Day by Status", "Calls by Hour This Week")


class TestWorkspace(BrowserCase):
	@classmethod
	def make_data(cls):
		cls.agent = make_desk_user(("Telephony Agent",), cls.provider, "401")
		cls.supervisor = make_desk_user(("Telephony Supervisor",))
		cls.users += [cls.agent.name, cls.supervisor.name]

	def card(self, page, name: str):
		return page.locator(f'[number_card_name="{name}"] .number-widget-box')

	def test_a_supervisor_sees_the_cards_and_charts_with_figures(self):
		# Two answered calls and a missed one, today, through the webhook as the PBX sends them.
		for answered in (True, True, False):
			call_id, _call = self.ring(unique_mobile(), "401")
			if answered:
				self.post_event(event="answered", call_id=call_id, extension="401")
			self.post_event(event="ended", call_id=call_id)
		page = self.open_desk(self.supervisor)
		go_to_desk(page, "/app/telephony")

		for name in CARDS:
			self.card(page, name).locator(".number").wait_for()
		frappe.db.rollback()  # see the calls the web server committed
		frappe.set_user(self.supervisor.name)
		try:
			calls_today = cards.calls_today()["value"]
		finally:
			frappe.set_user("Administrator")
		self.assertGreaterEqual(calls_today, 3)
		self.assertEqual(
			self.card(page, "Calls Today").locator(".number").inner_text().strip(), str(calls_today)
		)
		self.assertRegex(
			self.card(page, "Answered Today").locator(".number").inner_text().strip(), r"^\d+([.,]\d+)?\s*%$"
		)

		for name in CHARTS:
			chart = page.locator(f'[chart_name="{name}"] .dashboard-widget-box')
			chart.locator(".chart-container svg").first.wait_for()
			self.assertFalse(chart.locator(".chart-loading-state").first.is_visible())
		self.screenshot(page.locator(".layout-main-section"), "telephony-workspace")

		# The three calls rang the agent's line: their own figures are those calls alone.
		agent_page = self.open_desk(self.agent)
		go_to_desk(agent_page, "/app/telephony")
		agent_calls = self.card(agent_page, "Calls Today").locator(".number")
		agent_calls.wait_for()
		self.assertEqual(agent_calls.inner_text().strip(), "3")
		answered = self.card(agent_page, "Answered Today").locator(".number").inner_text().strip()
		self.assertRegex(answered, r"^66[.,]7\s*%$")
