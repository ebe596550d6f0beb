"""Connector tests on the site: an Asterisk provider record with its agents, and its connector (or the
supervisor of all providers) running in a thread with a database connection of its own, as the bench
command runs it beside the web workers."""

import asyncio
import functools
import threading
import time

import frappe

from telephony_crm.providers import SETTINGS_DOCTYPE
from telephony_crm.providers.asterisk.connector import AsteriskConnector, follow_providers
from telephony_crm.providers.asterisk.settings import AmiSettings
from telephony_crm.providers.asterisk.tests.scenarios import AGENT_CHANNELS, RECORDINGS
from telephony_crm.tests.factories import delete_calls, make_provider, make_sip_account, make_user

AGENT_EXTENSIONS = ("101", "102", "191")
RECORD_FIELDS = (
	"status",
	"direction",
	"caller_number",
	"called_number",
	"external_number",
	"extension",
	"started_at",
	"answered_at",
	"ended_at",
	"ring_duration",
	"talk_duration",
	"recording_url",
)


def make_asterisk_provider(
	port: int,
	secret: str,
	host: str = "127.0.0.1",
	username: str = "telephony",
	extensions: tuple[str, ...] = AGENT_EXTENSIONS,
):
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
	for extension in extensions:
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
		[
			"name",
			"status",
			"direction",
			"caller_number",
			"agent",
			"answered_by",
			"extension",
			"recording_url",
			"ended_at",
		],
		as_dict=True,
	)


def connector_status(provider: str) -> str:
	return frappe.db.get_value(SETTINGS_DOCTYPE, provider, "ami_status") or ""


def connector_state(provider: str) -> str:
	"""The status without its time: `connected`, `disconnected: ...`, `login failed: ...`."""
	return connector_status(provider).partition(" ")[2].partition(" ")[2]


def call_record(provider: str, call_id: str, agents: dict[str, str]) -> dict:
	"""What the call's record says, the provider's users shown as their extensions: the same for two
	providers that followed the same PBX."""
	extension_of = {user: extension for extension, user in agents.items()}
	call = frappe.get_doc("Telephony Call Log", {"provider": provider, "call_id": call_id})
	return {
		**{field: call.get(field) for field in RECORD_FIELDS},
		"agent": extension_of.get(call.agent),
		"answered_by": extension_of.get(call.answered_by),
		"participants": sorted((extension_of.get(p.user), p.extension or "") for p in call.participants),
		"events": [
			(e.event, e.event_time, e.extension, e.end_status, e.duration, e.raw_status, e.recording_url)
			for e in sorted(call.events, key=lambda e: e.idx)
		],
	}


class SiteLoopThread:
	"""`with` one: runs `main()` on an event loop of its own, in a thread on the site with a database
	connection of its own (as the bench command runs beside the web workers), until the block ends."""

	def __init__(self):
		self.site = frappe.local.site
		self.sites_path = frappe.local.sites_path
		self._ready = threading.Event()
		self._thread = threading.Thread(target=self._run, daemon=True)

	def __enter__(self):
		self._thread.start()
		self._ready.wait(10)
		return self

	def __exit__(self, *exc):
		if self._thread.is_alive():  # a test may stop it before its cleanup does
			self._loop.call_soon_threadsafe(self._task.cancel)
			self._thread.join(10)

	def _run(self):
		frappe.init(site=self.site, sites_path=self.sites_path)
		frappe.connect()
		try:
			asyncio.run(self._main())
		finally:
			frappe.destroy()

	async def _main(self):
		self._loop = asyncio.get_running_loop()
		self._task = asyncio.current_task()
		self._ready.set()
		try:
			await self.main()
		except asyncio.CancelledError:
			pass


class ConnectorThread(SiteLoopThread):
	"""`with ConnectorThread(provider):` runs the provider's connector (`connector_class`, AsteriskConnector
	by default, with `options`) until the block ends."""

	def __init__(
		self,
		provider: str,
		reconnect_delays=(0.2, 0.5, 1.0),
		keepalive_seconds: float = 300,
		connector_class=AsteriskConnector,
		**options,
	):
		super().__init__()
		self.provider = provider
		self.connector_class = connector_class
		self.options = {
			"reconnect_delays": reconnect_delays,
			"keepalive_seconds": keepalive_seconds,
			**options,
		}
		self.connector: AsteriskConnector | None = None

	@property
	def logged_in(self) -> bool:
		client = self.connector and self.connector.client
		return bool(client and client.logged_in and client.connected)

	async def main(self):
		settings = AmiSettings.from_doc(frappe.get_doc(SETTINGS_DOCTYPE, self.provider))
		self.connector = self.connector_class(settings, **self.options)
		await self.connector.run()


class SupervisorThread(SiteLoopThread):
	"""`with SupervisorThread():` follows every enabled Asterisk provider, as the bench command does, with
	connectors made by `make_connector` (AsteriskConnector with `connector_options`)."""

	def __init__(self, check_every: float = 0.2, make_connector=None, **connector_options):
		super().__init__()
		self.check_every = check_every
		self.make_connector = make_connector or functools.partial(AsteriskConnector, **connector_options)

	async def main(self):
		await follow_providers(self.check_every, self.make_connector)


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
