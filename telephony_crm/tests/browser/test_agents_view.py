"""Agents' statuses in Chromium: the agent's navbar control and a supervisor's live Agents view."""

import frappe

from telephony_crm.availability.status import STATUS_DOCTYPE
from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk
from telephony_crm.tests.browser.fixtures import make_desk_user
from telephony_crm.tests.factories import unique_mobile


class TestAgentsView(BrowserCase):
	@classmethod
	def make_data(cls):
		cls.agent = make_desk_user(("Telephony Agent",), cls.provider, "301")
		cls.supervisor = make_desk_user(("Telephony Supervisor",))
		cls.users += [cls.agent.name, cls.supervisor.name]

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.agent_page = cls.open_desk(cls.agent)
		cls.supervisor_page = cls.open_desk(cls.supervisor)
		go_to_desk(cls.supervisor_page, "/app/telephony-agents")
		# Set on the supervisor's page once: still there at the end means it never reloaded.
		cls.supervisor_page.evaluate("() => { window.agents_view_not_reloaded = true; }")

	def tearDown(self):
		self.assertTrue(self.supervisor_page.evaluate("() => window.agents_view_not_reloaded"))

	def control(self, status: str | None = None):
		selector = ".telephony-agent-status" + (f'[data-status="{status}"]' if status else "")
		return self.agent_page.locator(selector)

	def agent_row(self, status: str | None = None):
		selector = f'tr[data-user="{self.agent.name}"]' + (f'[data-status="{status}"]' if status else "")
		return self.supervisor_page.locator(selector)

	def choose(self, status: str) -> None:
		"""The agent picks `status` from the navbar control."""
		self.control().locator('[data-role="agent-status"]').click()
		self.control().locator(f'.dropdown-item[data-status="{status}"]').click()
		self.control(status).wait_for()

	def test_a_status_chosen_in_the_navbar_shows_in_the_agents_view(self):
		self.choose("Available")
		self.agent_row("Available").wait_for()
		self.choose("Away")
		self.agent_row("Away").wait_for()
		self.assertEqual(frappe.db.get_value(STATUS_DOCTYPE, self.agent.name, "status"), "Away")
		self.screenshot(self.control(), "agent-status-control")
		self.screenshot(self.supervisor_page.locator(".telephony-agents"), "agents-view-away")
		self.choose("Do Not Disturb")
		self.agent_row("Do Not Disturb").wait_for()

	def test_a_call_shows_the_agent_busy_on_it_then_back(self):
		self.choose("Available")
		call_id, call = self.ring(unique_mobile(), "301")
		self.post_event(event="answered", call_id=call_id, extension="301")
		self.agent_row("Busy").locator(f'[data-call="{call}"]').wait_for()
		self.control("Busy").wait_for()
		self.screenshot(self.supervisor_page.locator(".telephony-agents"), "agents-view-busy")
		self.post_event(event="ended", call_id=call_id)
		self.agent_row("Available").wait_for()
		self.assertEqual(self.agent_row().locator("[data-call]").count(), 0)
		self.control("Available").wait_for()
