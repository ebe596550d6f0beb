"""The telephony emulator page: a System Manager plays the PBX, an agent sees the call."""

import json
import subprocess

from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk
from telephony_crm.tests.browser.fixtures import make_desk_user, make_known_customer


class TestTelephonyEmulator(BrowserCase):
	@classmethod
	def make_data(cls):
		cls.manager = make_desk_user(("System Manager",))
		cls.agent = make_desk_user(("Telephony Agent", "Sales User"), cls.provider, "101")
		cls.users += [cls.manager.name, cls.agent.name]
		cls.customer = make_known_customer(orders=1)
		cls.customers.append(cls.customer)

	def test_emulated_call_reaches_the_agent_and_replays_from_a_shell(self):
		agent_page = self.open_desk(self.agent)
		page = self.open_desk(self.manager)
		go_to_desk(page, "/app/telephony-emulator")
		provider = page.locator('[data-fieldname="provider"] input')
		provider.fill("")  # the page proposes a provider; this test uses its own
		provider.press_sequentially(self.provider)
		page.locator(".awesomplete [role=option]", has_text=self.provider).first.click()
		page.locator('[data-fieldname="extension"] input').fill("101")
		page.locator('[data-fieldname="number"] input').fill(self.customer.number)
		send = page.get_by_role("button", name="Send")
		answer = page.locator('[data-role="answer-body"]')

		send.click()
		answer.filter(has_text="Ringing").wait_for()
		call = json.loads(answer.inner_text())["call"]
		popup = self.popup(agent_page, call)
		popup.locator('[data-role="caller-name"]', has_text=self.customer.name).wait_for()

		# The request shown is the one sent: replayed from a shell, it reaches the same call.
		curl = page.locator('[data-role="curl"]').inner_text()
		self.assertIn(f"X-Telephony-Token: {self.secret}", curl)
		replay = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30, check=True)
		self.assertEqual(json.loads(replay.stdout), {"call": call, "status": "Ringing"})
		self.screenshot(page, "emulator")

		# The action moves on by itself: answer, then hang up.
		send.click()
		answer.filter(has_text="In Progress").wait_for()
		self.popup(agent_page, call, "In Progress").wait_for()
		send.click()
		answer.filter(has_text="Completed").wait_for()
		self.popup(agent_page, call, "Completed").wait_for()
