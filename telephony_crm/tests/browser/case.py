"""Browser tests: the site served by the bench's own servers, and users working in Chromium."""

import time

import frappe
import requests
from frappe.tests.utils import FrappeTestCase

from telephony_crm.tests.browser.desk import artifacts_dir, launch_chromium, open_desk
from telephony_crm.tests.browser.fixtures import WEBHOOK_PATH, remove_test_data
from telephony_crm.tests.browser.servers import BenchServers
from telephony_crm.tests.factories import make_provider, unique, use_region
from telephony_crm.tests.stub_pbx import StubPBX


class BrowserCase(FrappeTestCase):
	"""Per class: a Generic Webhook provider whose control URL is a stub PBX, the data `make_data` adds
	(committed), the web and socket.io servers, and Chromium. All stopped and removed at the end."""

	users: list[str]
	customers: list[dict]

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.artifacts = artifacts_dir()
		print(f"\nBrowser test screenshots and server logs: {cls.artifacts}")
		cls.stub = StubPBX()
		cls.stub.__enter__()
		cls.addClassCleanup(cls.stub.__exit__, None, None, None)

		use_region()
		provider = make_provider(control_url=cls.stub.url)
		cls.provider, cls.secret = provider.name, provider.get_password("webhook_secret")
		cls.control_secret = provider.get_password("control_secret")
		cls.users, cls.customers = [], []
		cls.addClassCleanup(lambda: remove_test_data(cls.provider, cls.users, cls.customers))
		cls.make_data()
		frappe.db.commit()

		cls.servers = BenchServers(frappe.local.site, cls.artifacts).start()
		cls.addClassCleanup(cls.servers.stop)
		cls.playwright, cls.browser = launch_chromium()
		cls.addClassCleanup(cls.playwright.stop)
		cls.addClassCleanup(cls.browser.close)

	@classmethod
	def make_data(cls):
		"""Subclasses add their users and customers here (to cls.users and cls.customers)."""

	@classmethod
	def open_desk(cls, user):
		return open_desk(cls.browser, cls.servers.url, user.name, user.password)

	def post_event(self, **payload) -> dict:
		"""What the PBX would send; returns the webhook's answer ({"call": ..., "status": ...})."""
		response = requests.post(
			f"{self.servers.url}{WEBHOOK_PATH}",
			params={"provider": self.provider},
			headers={"X-Telephony-Token": self.secret},
			json=payload,
			timeout=10,
		)
		self.assertEqual(response.status_code, 200, response.text)
		return response.json()

	def ring(self, number: str, extension: str) -> tuple[str, str]:
		"""A new inbound call from `number` ringing on `extension`: (call_id, call name)."""
		call_id = unique("browser")
		answer = self.post_event(
			event="ringing", call_id=call_id, direction="inbound", extension=extension, **{"from": number}
		)
		return call_id, answer["call"]

	@staticmethod
	def popup(page, call: str, status: str | None = None):
		"""The popup of `call`, or of `call` once it shows `status`."""
		selector = f'.telephony-call-popup[data-call="{call}"]'
		return page.locator(f'{selector}[data-status="{status}"]' if status else selector)

	def screenshot(self, locator, name: str) -> None:
		locator.screenshot(path=self.artifacts / f"{name}.png")

	def wait_for(self, condition, timeout: float = 15, message: str = ""):
		"""Poll `condition` (reading the database afresh each time) until it returns something truthy."""
		deadline = time.monotonic() + timeout
		while True:
			frappe.db.rollback()  # see what the web server committed since
			result = condition()
			if result:
				return result
			if time.monotonic() > deadline:
				self.fail(message or "timed out")
			time.sleep(0.2)
