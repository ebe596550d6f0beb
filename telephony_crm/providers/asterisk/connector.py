"""The AMI connector: one long-lived session per enabled Asterisk provider, feeding the call engine.

Each session logs in, reconciles the calls that were live while it was away (CoreShowChannels), then maps
every event into call events, one transaction each. When the PBX restarts or the network drops, it
reconnects with growing delays; its state goes to the log and to the provider record's Connector Status.
"""

import asyncio
import logging
import time

import frappe

from telephony_crm.calls.events import CallEvent, CallStatus
from telephony_crm.calls.intake import commit_event
from telephony_crm.calls.times import from_unix_seconds, site_now
from telephony_crm.providers import SETTINGS_DOCTYPE
from telephony_crm.providers.asterisk.channels import ChannelTemplate
from telephony_crm.providers.asterisk.mapper import CallMapper, MapperConfig
from telephony_crm.providers.asterisk.protocol import AmiClient, AmiError, AmiLoginError
from telephony_crm.providers.asterisk.provider import AsteriskAmiProvider
from telephony_crm.providers.asterisk.settings import AmiSettings

RECONNECT_DELAYS = (1, 2, 5, 10, 30, 60)
KEEPALIVE_SECONDS = 30
SETTINGS_CHECK_SECONDS = 30
OPEN_STATUSES = (CallStatus.RINGING.value, CallStatus.IN_PROGRESS.value)

logger = logging.getLogger("telephony_crm.asterisk")


def run_connector() -> None:
	"""Follow every enabled Asterisk provider of the connected site until stopped."""
	logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
	try:
		asyncio.run(follow_providers())
	except KeyboardInterrupt:
		logger.info("AMI connector stopped")


async def follow_providers(check_every: float = SETTINGS_CHECK_SECONDS) -> None:
	"""Keep one connector per enabled provider, restarting it when its settings change."""
	running: dict[str, tuple[AmiSettings, AsteriskConnector, asyncio.Task]] = {}
	while True:
		frappe.db.commit()  # a fresh read view, to see records saved since the last look
		wanted = {settings.provider: settings for settings in enabled_providers()}
		for name, (settings, _connector, task) in list(running.items()):
			if wanted.get(name) != settings:
				task.cancel()
				del running[name]
				logger.info("AMI %s: settings changed or provider disabled; session closed", name)
		for name, settings in wanted.items():
			if name not in running:
				connector = AsteriskConnector(settings)
				running[name] = (settings, connector, asyncio.create_task(connector.run()))
		for _settings, connector, _task in running.values():
			connector.refresh_extensions()
		await asyncio.sleep(check_every)


def enabled_providers() -> list[AmiSettings]:
	names = frappe.get_all(
		SETTINGS_DOCTYPE, {"provider_type": AsteriskAmiProvider.provider_type, "enabled": 1}, pluck="name"
	)
	return [AmiSettings.from_doc(frappe.get_doc(SETTINGS_DOCTYPE, name)) for name in names]


class AsteriskConnector:
	"""Follows one PBX: logs in, maps its events into calls, and reconnects when the link drops."""

	def __init__(
		self,
		settings: AmiSettings,
		keepalive_seconds: float = KEEPALIVE_SECONDS,
		reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS,
	):
		self.settings = settings
		self.keepalive_seconds = keepalive_seconds
		self.reconnect_delays = reconnect_delays
		self.label = f"{settings.provider} ({settings.address})"
		channels = ChannelTemplate(settings.channel_template)
		self.mapper = CallMapper(
			MapperConfig(settings.provider, channels, settings.recording_url_template), from_unix_seconds
		)
		self.client: AmiClient | None = None
		self.refresh_extensions()

	def refresh_extensions(self) -> None:
		"""The provider's SIP Accounts are its agents' phones."""
		extensions = frappe.get_all(
			"SIP Account", {"provider": self.settings.provider, "enabled": 1}, pluck="extension"
		)
		self.mapper.config.channels.extensions = frozenset(extensions)

	async def run(self) -> None:
		failures = 0
		while True:
			try:
				await self.follow()
			except AmiLoginError as error:
				self.report(f"login failed: {error}", logging.ERROR)
			except AmiError as error:
				self.report(f"disconnected: {error}", logging.WARNING)
			except Exception:
				# The site's side failed (its database, say): start the session again rather than stop.
				logger.exception("AMI %s: session failed", self.label)
			if self.client and self.client.logged_in:
				failures = 0
			delay = self.reconnect_delays[min(failures, len(self.reconnect_delays) - 1)]
			failures += 1
			logger.info("AMI %s: reconnecting in %s s", self.label, delay)
			await asyncio.sleep(delay)

	async def follow(self) -> None:
		"""One session, from login until the connection is lost (AmiError)."""
		self.client = None
		self.client = await AmiClient.connect(self.settings.host, self.settings.port, label=self.label)
		keepalive = None
		try:
			await self.client.login(self.settings.username, self.settings.secret)
			self.report("connected", logging.INFO)
			live_channels = await self.client.list_action("CoreShowChannels")
			self.commit(
				self.mapper.reconcile(live_channels, open_call_ids(self.settings.provider), time.time())
			)
			keepalive = asyncio.create_task(self.keep_alive())
			while True:
				message = await self.client.next_event()
				try:
					events = self.mapper.feed(message)
				except Exception:
					logger.exception("AMI %s: %s event not understood", self.label, message.get("Event"))
					continue
				self.commit(events)
		finally:
			if keepalive:
				keepalive.cancel()
			await self.client.close()

	async def keep_alive(self) -> None:
		"""A connection that stops answering pings is dead, even if no error says so (a silent drop)."""
		while True:
			await asyncio.sleep(self.keepalive_seconds)
			try:
				await self.client.action("Ping", timeout=self.keepalive_seconds)
			except AmiError as error:
				logger.warning("AMI %s: no answer to ping (%s); reconnecting", self.label, error)
				self.client.abort("silent: no answer to ping")
				return

	def commit(self, events: list[CallEvent]) -> None:
		for event in events:
			try:
				commit_reconnecting(event)
			except Exception:
				# One bad event must not stop the calls behind it.
				logger.exception(
					"AMI %s: %s event of call %s not recorded", self.label, event.event.value, event.call_id
				)
				frappe.db.rollback()

	def report(self, state: str, level: int) -> None:
		"""Log the connection's state and show it on the provider record."""
		logger.log(level, "AMI %s: %s", self.label, state)
		status = f"{site_now():%Y-%m-%d %H:%M:%S} {state}"
		frappe.db.set_value(
			SETTINGS_DOCTYPE, self.settings.provider, "ami_status", status, update_modified=False
		)
		frappe.db.commit()


def commit_reconnecting(event: CallEvent) -> None:
	"""commit_event, connecting to the database again if it dropped this long-lived process (an idle
	connection past MariaDB's wait_timeout, or a database restart); the event is then tried once more."""
	try:
		commit_event(event)
	except Exception as error:
		if not is_connection_lost(error):
			raise
		logger.warning("Database connection lost (%s); connecting again", error)
		frappe.db.connect()
		commit_event(event)


def is_connection_lost(error: Exception) -> bool:
	# 2006: server has gone away, 2013: lost connection during query; InterfaceError: socket closed.
	return frappe.db.is_interface_error(error) or (
		isinstance(error, frappe.db.OperationalError) and error.args[:1] in ((2006,), (2013,))
	)


def open_call_ids(provider: str) -> set[str]:
	"""The provider's calls the site still shows as ringing or in progress."""
	return set(
		frappe.get_all(
			"Telephony Call Log",
			{"provider": provider, "status": ("in", OPEN_STATUSES)},
			pluck="call_id",
		)
	)
