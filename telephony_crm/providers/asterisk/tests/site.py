"""Connector tests on the site: an Asterisk provider record with two agents, and its connector running
in a thread with a database connection of its own, as the bench command runs it beside the web workers."""

import asyncio
import threading
import time

import frappe

from telephony_crm.providers import SETTINGS_DOCTYPE
from telephony_crm.providers.asterisk.connector import AsteriskConnector
from telephony_crm.providers.asterisk.settings import AmiSettings
from telephony_crm.providers.asterisk.tests.scenarios import AGENT_CHANNELS, RECORDINGS
from telephony_crm.tests.factories import delete_calls, make_provider, make_sip_account, make_user

AGENT_EXTENSIONS = ("101", "102", "191")


def make_asterisk_provider(port: int, secret: str, host: str = "127.0.0.1", username: str = "telephony"):
	"""A committed provider record (the connector's own connection must see it) and its agents by extension."""
	provider = make_provider(
		provider_type="Asterisk AMI",
		ami_host=host,
		ami_port=port,
		ami_username=username,
		ami_secret=secret,
		agent_channel_template=AGENT_CHANNELS,
		recording_url_template=RECORDINGS,
		originate_context="from-internal",
	)
	agents = {}
	for extension in AGENT_EXTENSIONS:
		agents[extension] = make_user()
		make_sip_account(agents[extension], provider.name, extension)
	frappe.db.commit()
	return provider, agents


def remove_provider(provider: str) -> None:
	delete_calls(provider)
	for name in frappe.get_all("SIP Account", {"provider": provider}, pluck="name"):
		frappe.delete_doc("SIP Account", name, ignore_permissions=True, force=True)
	frappe.delete_doc(SETTINGS_DOCTYPE, provider, ignore_permissions=True, force=True)
	frappe.db.commit()


def wait_until(condition, timeout: float = 30, what: str = "the condition"):
	"""Poll `condition` in fresh read views until it is truthy; its value."""
	deadline = time.monotonic() + timeout
	while True:
		frappe.db.rollback()
		value = condition()
		if value:
			return value
		if time.monotonic() > deadline:
			raise AssertionError(f"timed out after {timeout} s waiting for {what}")
		time.sleep(0.1)


def call_of(provider: str, call_id: str) -> dict | None:
	return frappe.db.get_value(
		"Telephony Call Log",
		{"provider": provider, "call_id": call_id},
		["name", "status", "direction", "agent", "answered_by", "extension", "recording_url", "ended_at"],
		as_dict=True,
	)


def connector_status(provider: str) -> str:
	return frappe.db.get_value(SETTINGS_DOCTYPE, provider, "ami_status") or ""


def connector_state(provider: str) -> str:
	"""The status without its time: `connected`, `disconnected: ...`, `login failed: ...`."""
	return connector_status(provider).partition(" ")[2].partition(" ")[2]


class ConnectorThread:
	"""`with ConnectorThread(provider):` runs the provider's connector until the block ends."""

	def __init__(self, provider: str, reconnect_delays=(0.2, 0.5, 1.0), keepalive_seconds: float = 300):
		self.provider = provider
		self.reconnect_delays = reconnect_delays
		self.keepalive_seconds = keepalive_seconds
		self.site = frappe.local.site
		self._ready = threading.Event()
		self._thread = threading.Thread(target=self._run, daemon=True)

	def __enter__(self):
		self._thread.start()
		self._ready.wait(10)
		return self

	def __exit__(self, *exc):
		self._loop.call_soon_threadsafe(self._task.cancel)
		self._thread.join(10)

	def _run(self):
		frappe.init(site=self.site)
		frappe.connect()
		try:
			settings = AmiSettings.from_doc(frappe.get_doc(SETTINGS_DOCTYPE, self.provider))
			connector = AsteriskConnector(
				settings, keepalive_seconds=self.keepalive_seconds, reconnect_delays=self.reconnect_delays
			)
			asyncio.run(self._main(connector))
		finally:
			frappe.destroy()

	async def _main(self, connector: AsteriskConnector):
		self._loop = asyncio.get_running_loop()
		self._task = asyncio.current_task()
		self._ready.set()
		try:
			await connector.run()
		except asyncio.CancelledError:
			pass


class ServerThread:
	"""A test AMI server (replaying or recording) on an event loop of its own, so that the test can wait on
	the database meanwhile; `call` runs one of its methods there."""

	def __init__(self, server):
		self.server = server
		self._started = threading.Event()
		self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

	def __enter__(self):
		self._thread.start()
		self._started.wait(10)
		return self

	def __exit__(self, *exc):
		self._loop.call_soon_threadsafe(self._stop.set)
		self._thread.join(10)

	def call(self, method, *args):
		self._loop.call_soon_threadsafe(method, *args)

	async def _main(self):
		self._loop = asyncio.get_running_loop()
		self._stop = asyncio.Event()
		self.port = await self.server.start()
		self._started.set()
		await self._stop.wait()
		await self.server.stop()
