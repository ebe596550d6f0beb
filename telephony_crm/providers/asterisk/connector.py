"""The AMI connector: one long-lived session per enabled Asterisk provider, feeding the call engine.

Each session logs in, reads which lines have a registered phone (PJSIPShowContacts), reconciles the calls
that were live while it was away (CoreShowChannels), then maps every event into call events, one
transaction each, and the lines' ContactStatus and PeerStatus into their registration. When the PBX
restarts or the network drops, it reconnects with growing delays; its state goes to the log and to the
provider record's Connector Status.

The event loop never waits on the database: each provider's database work runs, in order, on a thread of
its own (a SiteWorker), so a call waiting for its lock holds up no other provider's events or pings.

A second connector may follow the same PBX (a standby): from the same stream it maps the same events,
which the engine records once. The ends a connector can only guess (calls gone while it was away) or saw
in part (calls up when it connected) are recorded only where no connector has recorded one.
"""

import asyncio
import logging
import time

import frappe
from frappe import _, _lt
from frappe.utils import format_datetime

from telephony_crm.calls.events import CallEvent, CallStatus, EventType
from telephony_crm.calls.intake import call_lock, commit_event
from telephony_crm.calls.times import from_unix_seconds, site_now
from telephony_crm.calls.validation import clean_text
from telephony_crm.lines.registration import UNREGISTERED, LineState, set_line_state, set_provider_line_states
from telephony_crm.providers import SETTINGS_DOCTYPE
from telephony_crm.providers.asterisk.channels import ChannelTemplate
from telephony_crm.providers.asterisk.mapper import CallMapper, MapperConfig
from telephony_crm.providers.asterisk.protocol import (
	AmiActionError,
	AmiClient,
	AmiError,
	AmiLoginError,
	Message,
)
from telephony_crm.providers.asterisk.provider import AsteriskAmiProvider
from telephony_crm.providers.asterisk.registration import (
	CONTACTS_ACTION,
	NO_CONTACTS,
	REGISTRATION_EVENTS,
	RegistrationTracker,
)
from telephony_crm.providers.asterisk.settings import AmiSettings
from telephony_crm.providers.asterisk.site_worker import SiteWorker

RECONNECT_DELAYS = (1, 2, 5, 10, 30, 60)
KEEPALIVE_SECONDS = 30
SETTINGS_CHECK_SECONDS = 30
# Time for a connector that saw a whole call to record its end before one that saw part of it does.
PARTIAL_END_DELAY_SECONDS = 5
OPEN_STATUSES = (CallStatus.RINGING.value, CallStatus.IN_PROGRESS.value)
# Told to each new session at login, untimed whatever manager.conf says.
LOGIN_EVENT = "FullyBooted"

logger = logging.getLogger("telephony_crm.asterisk")

# The connector's states as the provider record shows them (logged in English).
CONNECTED = _lt("connected")
LOGIN_FAILED = _lt("login failed: {0}")
DISCONNECTED = _lt("disconnected: {0}")
RESTARTED = _lt("restarted {0} after error: {1}")


def run_connector() -> None:
	"""Follow every enabled Asterisk provider of the connected site until stopped."""
	logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
	try:
		asyncio.run(follow_providers())
	except KeyboardInterrupt:
		logger.info("AMI connector stopped")


async def follow_providers(check_every: float = SETTINGS_CHECK_SECONDS, make_connector=None) -> None:
	"""Keep one connector per enabled provider until cancelled; `make_connector(settings, restart_note=)`
	builds them (AsteriskConnector)."""
	supervisor = Supervisor(make_connector or AsteriskConnector)
	try:
		while True:
			try:
				await supervisor.check()
			except Exception:
				logger.exception("AMI: checking the providers failed; trying again in %s s", check_every)
			await asyncio.sleep(check_every)
	finally:
		await supervisor.close()


class Supervisor:
	"""The connectors of the site's enabled Asterisk providers: started anew when their settings change,
	and when one dies (an error escaped it), which the log and the provider's Connector Status then say."""

	def __init__(self, make_connector):
		self.make_connector = make_connector
		self.site = SiteWorker("ami-supervisor")
		self.running: dict[str, tuple[AmiSettings, asyncio.Task]] = {}

	async def check(self) -> None:
		wanted = {settings.provider: settings for settings in await self.site.run(enabled_providers)}
		restart_notes = {}
		for name, (settings, task) in list(self.running.items()):
			if task.done():
				del self.running[name]
				restart_notes[name] = await self.note_death(name, task)
			elif wanted.get(name) != settings:
				task.cancel()
				del self.running[name]
				logger.info("AMI %s: settings changed or provider disabled; session closed", name)
		for name, settings in wanted.items():
			if name not in self.running:
				connector = self.make_connector(settings, restart_note=restart_notes.get(name))
				self.running[name] = (settings, asyncio.create_task(connector.run()))

	async def note_death(self, provider: str, task: asyncio.Task) -> str:
		"""Log the error that ended the connector and show it on the provider; its successor keeps showing
		the note with its own states."""
		# Only the supervisor cancels connectors, and it forgets them when it does: this one raised.
		error = task.exception()
		logger.error("AMI %s: connector stopped by an error; starting it again", provider, exc_info=error)
		return await self.site.run(write_restart, provider, f"{type(error).__name__}: {error}")

	async def close(self) -> None:
		tasks = [task for _settings, task in self.running.values()]
		for task in tasks:
			task.cancel()
		await asyncio.gather(*tasks, return_exceptions=True)
		self.site.close()


class AsteriskConnector:
	"""Follows one PBX: logs in, maps its events into calls, and reconnects when the link drops."""

	def __init__(
		self,
		settings: AmiSettings,
		keepalive_seconds: float = KEEPALIVE_SECONDS,
		reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS,
		extensions_every: float = SETTINGS_CHECK_SECONDS,
		partial_end_delay: float = PARTIAL_END_DELAY_SECONDS,
		restart_note: str | None = None,
	):
		self.settings = settings
		self.keepalive_seconds = keepalive_seconds
		self.reconnect_delays = reconnect_delays
		self.extensions_every = extensions_every
		self.partial_end_delay = partial_end_delay
		self.restart_note = restart_note
		self.label = f"{settings.provider} ({settings.address})"
		channels = ChannelTemplate(settings.channel_template)
		self.mapper = CallMapper(
			MapperConfig(settings.provider, channels, settings.recording_url_template), from_unix_seconds
		)
		self.registrations = RegistrationTracker(from_unix_seconds)
		self.site = SiteWorker(f"ami-{settings.provider}")
		self.client: AmiClient | None = None
		self.extensions_read_at = 0.0
		self.warned_untimed = False
		self.late_ends: set[asyncio.Task] = set()

	async def refresh_extensions(self) -> None:
		"""The provider's SIP Accounts are its agents' phones."""
		extensions = await self.site.run(agent_extensions, self.settings.provider)
		self.mapper.config.channels.extensions = extensions
		self.extensions_read_at = time.monotonic()

	async def run(self) -> None:
		"""Follow the PBX until cancelled."""
		try:
			await self.follow_reconnecting()
		finally:
			for task in self.late_ends:
				task.cancel()  # the next start's reconciliation ends those calls
			self.site.close()

	async def follow_reconnecting(self) -> None:
		failures = 0
		while True:
			try:
				await self.follow()
			except AmiLoginError as error:
				await self.report(LOGIN_FAILED, logging.ERROR, error)
			except AmiError as error:
				await self.report(DISCONNECTED, logging.WARNING, error)
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
		await self.refresh_extensions()
		self.client = await AmiClient.connect(self.settings.host, self.settings.port, label=self.label)
		keepalive = None
		try:
			await self.client.login(self.settings.username, self.settings.secret)
			await self.report(CONNECTED, logging.INFO)
			await self.read_registrations()
			await self.reconcile()
			keepalive = asyncio.create_task(self.keep_alive())
			while True:
				await self.handle(await self.client.next_event())
		finally:
			if keepalive:
				keepalive.cancel()
			await self.client.close()

	async def reconcile(self) -> None:
		"""End the calls the PBX no longer has, and follow on those still up."""
		live_channels = await self.client.list_action("CoreShowChannels")
		open_calls = await self.site.run(open_call_ids, self.settings.provider)
		for event in self.mapper.reconcile(live_channels, open_calls, time.time()):
			await self.record(event, end_if_open)

	async def read_registrations(self) -> None:
		"""Every line's registration now: the lines with a PJSIP contact, and the others Unregistered. A PBX
		without chan_pjsip leaves them as they were (its PeerStatus events tell them)."""
		try:
			contacts = await self.client.list_action(CONTACTS_ACTION)
		except AmiActionError as error:
			if str(error).strip() != NO_CONTACTS:
				logger.info("AMI %s: no PJSIP contacts to read (%s)", self.label, error)
				return
			contacts = []
		except AmiError as error:
			# Unanswered: the lines wait for their next events; a lost connection shows at the next read.
			logger.warning("AMI %s: %s not answered (%s)", self.label, CONTACTS_ACTION, error)
			return
		states = self.registrations.start(contacts)
		try:
			await self.site.run(
				set_provider_line_states, self.settings.provider, states, LineState(UNREGISTERED)
			)
		except Exception:
			logger.exception("AMI %s: line registrations not recorded", self.label)

	async def note_registration(self, message: Message) -> None:
		"""A line's phone registered, went away or stopped answering; never in the way of the calls."""
		try:
			change = self.registrations.feed(message, time.time())
			if change and not await self.site.run(set_line_state, self.settings.provider, *change):
				logger.debug("AMI %s: %s is no line of the provider", self.label, change[0])
		except Exception:
			logger.exception("AMI %s: %s event not recorded", self.label, message.get("Event"))

	async def handle(self, message: Message) -> None:
		if message.get("Event") in REGISTRATION_EVENTS:
			await self.note_registration(message)
			return
		if time.monotonic() - self.extensions_read_at > self.extensions_every:
			await self.refresh_extensions()
		self.warn_if_untimed(message)
		try:
			events = self.mapper.feed(message)
		except Exception:
			logger.exception("AMI %s: %s event not understood", self.label, message.get("Event"))
			return
		for event in events:
			if event.event == EventType.ENDED and self.mapper.partly_seen(event.call_id):
				self.record_late(event)
			else:
				await self.record(event)

	def warn_if_untimed(self, message: Message) -> None:
		"""Without the PBX's timestamps the mapper takes this connector's clock: a standby connector then
		reports every event at another time, and the call's history gets each twice."""
		if "Timestamp" not in message and message.get("Event") != LOGIN_EVENT and not self.warned_untimed:
			self.warned_untimed = True
			logger.warning(
				"AMI %s: events carry no Timestamp; set timestampevents = yes in manager.conf", self.label
			)

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

	async def record(self, event: CallEvent, commit=commit_event) -> None:
		try:
			await self.site.run(commit, event)
		except Exception:
			# One bad event must not stop the calls behind it.
			logger.exception(
				"AMI %s: %s event of call %s not recorded", self.label, event.event.value, event.call_id
			)

	def record_late(self, event: CallEvent) -> None:
		"""The end of a call this connector saw only part of: recorded if, after a while, no connector that
		saw all of it (a standby) has recorded the call's end, which says more."""

		async def when_due():
			await asyncio.sleep(self.partial_end_delay)
			await self.record(event, end_if_open)

		task = asyncio.create_task(when_due())
		self.late_ends.add(task)
		task.add_done_callback(self.late_ends.discard)

	async def report(self, state, level: int, *details) -> None:
		"""Log the connection's state (one of the lazy messages above, filled with `details`) and show it on
		the provider record, with the last restart if any."""
		logger.log(level, "AMI %s: %s", self.label, state.msg.format(*details))
		await self.site.run(write_state, self.settings.provider, state, details, self.restart_note)


# Database work, run on a SiteWorker's thread.


def enabled_providers() -> list[AmiSettings]:
	names = frappe.get_all(
		SETTINGS_DOCTYPE, {"provider_type": AsteriskAmiProvider.provider_type, "enabled": 1}, pluck="name"
	)
	return [AmiSettings.from_doc(frappe.get_doc(SETTINGS_DOCTYPE, name)) for name in names]


def agent_extensions(provider: str) -> frozenset[str]:
	return frozenset(frappe.get_all("SIP Account", {"provider": provider, "enabled": 1}, pluck="extension"))


def open_call_ids(provider: str) -> set[str]:
	"""The provider's calls the site still shows as ringing or in progress."""
	return set(
		frappe.get_all(
			"Telephony Call Log",
			{"provider": provider, "status": ("in", OPEN_STATUSES)},
			pluck="call_id",
		)
	)


def end_if_open(event: CallEvent) -> None:
	"""Record an end that is a guess (a reconciliation's, at reconnect time) or partial only on a call not
	ended yet: another connector following the same PBX may have recorded a better one. Checked under the
	call's lock (which commit_event takes again), so that two such ends never both find the call open."""
	with call_lock(event.provider, event.call_id):
		if not frappe.db.get_value(
			"Telephony Call Log", {"provider": event.provider, "call_id": event.call_id}, "ended_at"
		):
			commit_event(event)


def write_state(provider: str, state, details: tuple, restart_note: str | None) -> None:
	shown = _in_site_language(state).format(*details)
	write_status(provider, f"{shown}; {restart_note}" if restart_note else shown)


def write_restart(provider: str, error: str) -> str:
	"""Show that the provider's connector was restarted after `error`; returns the note, which its
	successor goes on showing with its own states."""
	note = _in_site_language(RESTARTED).format(format_datetime(site_now()), error)
	write_status(provider, note)
	return note


def write_status(provider: str, state: str) -> None:
	# The state may quote the PBX (a login refusal's message): stored as plain text.
	status = f"{format_datetime(site_now())} {clean_text(state, 1000)}"
	frappe.db.set_value(SETTINGS_DOCTYPE, provider, "ami_status", status, update_modified=False)


def _in_site_language(message) -> str:
	"""The connector has no user: its states are written in the site's language."""
	return _(message.msg, frappe.db.get_single_value("System Settings", "language") or "en")
