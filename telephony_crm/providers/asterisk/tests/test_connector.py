"""The connector, from AMI traffic to the call log, against the replaying server: a call, malformed
frames, a connection dropped mid-call, a PBX restart, a wrong password (recorded from a real Asterisk by
test_live_connector), calls lost while it was away, calls from withheld numbers; two connectors on the
same PBX; and the supervisor of several providers, with one call waiting for its lock, and a connector
that dies."""

import asyncio
import threading
import time
import unittest
from dataclasses import replace
from unittest.mock import Mock, patch

import frappe
import pymysql
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.events import EventType
from telephony_crm.calls.intake import call_lock, commit_event
from telephony_crm.providers.asterisk import site_worker
from telephony_crm.providers.asterisk.connector import AsteriskConnector
from telephony_crm.providers.asterisk.mapper import LOST_CALL
from telephony_crm.providers.asterisk.tests import scenarios
from telephony_crm.providers.asterisk.tests.ami_server import (
	ReplayAmiServer,
	ReplaySession,
	headers,
	load_transcript,
)
from telephony_crm.providers.asterisk.tests.site import (
	ConnectorThread,
	ServerThread,
	SupervisorThread,
	call_of,
	call_record,
	connector_status,
	make_asterisk_provider,
	remove_provider,
	wait_until,
)
from telephony_crm.tests.factories import call_event, unique

SECRET = "replay-secret"
NO_LIVE_CHANNELS = [
	{"from": "client", "lines": ["Action: CoreShowChannels", "ActionID: list"]},
	{"from": "pbx", "lines": ["Response: Success", "ActionID: list", "EventList: start"]},
	{"from": "pbx", "lines": ["Event: CoreShowChannelsComplete", "ActionID: list", "EventList: Complete"]},
]


def call_frames(name: str, until: str | None = None) -> list[dict]:
	"""A recorded scenario's call as a connector sees it: the PBX's events, without the scenario's own
	actions and their answers (up to the first frame for which `until` is in a line, when given)."""
	frames = []
	for frame in load_transcript(name)["sessions"][0]["frames"]:
		message = headers(frame["lines"])
		if frame["from"] == "client" or "Event" not in message or "ActionID" in message:
			continue  # the scenario's own actions, which a connector does not send
		if until and any(until in line for line in frame["lines"]):
			break
		frames.append(frame)
	return frames


def connector_session(frames: list[dict], **changes) -> ReplaySession:
	"""A connector's session: the recorded login, a reconciliation that finds no live channel, `frames`."""
	session = load_transcript("inbound_answered")["sessions"][0]
	return ReplaySession(
		session["banner"], session["frames"][:2] + NO_LIVE_CHANNELS + frames, secret=SECRET, **changes
	)


def call_session(name: str, until: str | None = None, **changes) -> ReplaySession:
	return connector_session(call_frames(name, until), **changes)


def events_after(name: str, until: str) -> list[dict]:
	frames = call_frames(name)
	index = next(i for i, f in enumerate(frames) if any(until in line for line in f["lines"]))
	return frames[index:]


def every_call_session(**changes) -> ReplaySession:
	"""The calls of every scenario on one session, their events interleaved by the PBX's clock."""
	frames = [frame for scenario in scenarios.SCENARIOS for frame in call_frames(scenario.name)]
	frames.sort(key=lambda frame: float(headers(frame["lines"])["Timestamp"]))
	return connector_session(frames, **changes)


def as_call_from(frames: list[dict], caller: str, tag: str) -> list[dict]:
	"""A recorded call's frames as those of another call (its ids tagged) from `caller`."""

	def rewrite(line: str) -> str:
		key, _, value = line.partition(": ")
		if key.endswith(("Uniqueid", "Linkedid")):
			return f"{key}: {value}-{tag}"
		if key == "CallerIDNum" and value == scenarios.CALLER:
			return f"{key}: {caller}"
		return line

	return [{**frame, "lines": [rewrite(line) for line in frame["lines"]]} for frame in frames]


class TestConnectorOnRecordedTraffic(FrappeTestCase):
	def tearDown(self):
		if getattr(self, "provider", None):
			remove_provider(self.provider.name)

	def start(self, sessions: list[ReplaySession]) -> ServerThread:
		server = ServerThread(ReplayAmiServer(sessions)).__enter__()
		self.addCleanup(server.__exit__)
		self.provider, self.agents = make_asterisk_provider(server.port, SECRET)
		return server

	def test_a_recorded_call_reaches_the_call_log(self):
		call_id = load_transcript("inbound_answered")["call_id"]
		self.start([call_session("inbound_answered")])
		with ConnectorThread(self.provider.name):
			call = wait_until(lambda: _ended(self.provider.name, call_id), what="the call to end")
		self.assertEqual((call.status, call.direction), ("Completed", "Inbound"))
		self.assertEqual((call.agent, call.answered_by), (self.agents["101"], self.agents["101"]))
		self.assertRegex(call.recording_url, rf"^https://pbx\.example\.com/recordings/.*{call_id}\.wav$")
		self.assertIn("connected", connector_status(self.provider.name))

	def test_malformed_frames_are_logged_and_skipped(self):
		call_id = load_transcript("inbound_answered")["call_id"]
		garbage = {3: b"this is no AMI frame\r\n\r\n", 6: b"Channel: without an Event\r\n\r\n"}
		self.start([call_session("inbound_answered", inject=garbage)])
		with self.assertLogs("telephony_crm.asterisk", "WARNING") as logs:
			with ConnectorThread(self.provider.name):
				call = wait_until(lambda: _ended(self.provider.name, call_id), what="the call to end")
		self.assertEqual(call.status, "Completed")
		malformed = [line for line in logs.output if "malformed frame skipped" in line]
		self.assertEqual(len(malformed), 2, logs.output)
		self.assertIn("this is no AMI frame", malformed[0])

	def test_a_call_still_up_after_a_reconnect_goes_on(self):
		transcript = load_transcript("inbound_answered")
		call_id = transcript["call_id"]
		before = call_session("inbound_answered", until="BridgeEnter", closed=True)
		live = [
			{
				"Channel": headers(f["lines"])["Channel"],
				"Uniqueid": headers(f["lines"])["Uniqueid"],
				"Linkedid": call_id,
			}
			for f in before.frames
			if headers(f["lines"]).get("Event") == "Newchannel"
		]
		after = ReplaySession(
			before.banner,
			before.frames[:2] + events_after("inbound_answered", "BridgeEnter"),
			live_channels=live,
		)
		self.start([before, after])
		with ConnectorThread(self.provider.name):
			call = wait_until(lambda: _ended(self.provider.name, call_id), what="the call to end")
		self.assertEqual(call.status, "Completed")
		hangup = float(headers(events_after("inbound_answered", "Hangup")[-1]["lines"])["Timestamp"])
		self.assertAlmostEqual(
			frappe.utils.get_datetime(call.ended_at).timestamp(), _site_time(hangup), delta=1
		)

	def test_calls_that_ended_while_away_are_ended_on_reconnect(self):
		call_id = load_transcript("inbound_answered")["call_id"]
		before = call_session("inbound_answered", until="BridgeEnter", closed=True)
		after = ReplaySession(before.banner, before.frames[:2])
		self.start([before, after])
		orphan = unique("orphan")
		commit_event(call_event(self.provider.name, orphan, EventType.RINGING))
		with ConnectorThread(self.provider.name):
			call = wait_until(lambda: _ended(self.provider.name, call_id), what="the call to end")
			lost = wait_until(lambda: _ended(self.provider.name, orphan), what="the orphan to end")
		self.assertEqual(call.status, "Completed")  # it was answered before the line dropped
		self.assertEqual(lost.status, "Missed")

	def test_the_recorded_drop_mid_call(self):
		self.replay_connector_recording("connector_dropped_mid_call")

	def test_the_recorded_pbx_restart(self):
		self.replay_connector_recording("connector_pbx_restart")

	def test_the_recorded_call_that_ended_while_away(self):
		self.replay_connector_recording("connector_ended_while_away")

	def replay_connector_recording(self, name: str):
		transcript = load_transcript(name)
		self.start([ReplaySession.recorded(s) for s in transcript["sessions"]])
		with ConnectorThread(self.provider.name):
			call = wait_until(
				lambda: _ended(self.provider.name, transcript["call_id"]), what="the call to end"
			)
		self.assertEqual((call.status, call.answered_by), ("Completed", self.agents["101"]))

	def test_a_connection_gone_silent_is_noticed_by_its_pings(self):
		silent = call_session("inbound_answered", until="Newchannel", answer_pings=False)
		server = self.start([silent, call_session("inbound_answered")])
		with self.assertLogs("telephony_crm.asterisk", "WARNING") as logs:
			with ConnectorThread(self.provider.name, keepalive_seconds=0.5):
				wait_until(lambda: server.server.connections >= 2, what="a reconnect")
		self.assertTrue(any("no answer to ping" in line for line in logs.output), logs.output)

	def test_a_refused_login_shows_on_the_provider_and_is_retried(self):
		transcript = load_transcript("connector_login_refused")
		server = self.start([ReplaySession.recorded(s) for s in transcript["sessions"]] * 2)
		with self.assertLogs("telephony_crm.asterisk", "ERROR") as logs:
			with ConnectorThread(self.provider.name):
				wait_until(
					lambda: (
						"login failed" in connector_status(self.provider.name)
						and server.server.connections >= 2
					),
					what="a retried login",
				)
		status = connector_status(self.provider.name)
		self.assertIn("Authentication failed", status)
		self.assertNotIn(SECRET, status + "".join(logs.output))

	def test_calls_from_withheld_or_odd_numbers_are_logged(self):
		call_id = load_transcript("inbound_answered")["call_id"]
		frames = call_frames("inbound_answered")
		tags = {caller: str(n) for n, caller in enumerate(scenarios.ODD_CALLERS)}
		self.start([connector_session([f for c, tag in tags.items() for f in as_call_from(frames, c, tag)])])
		with ConnectorThread(self.provider.name):
			logged = {
				caller: wait_until(lambda: _ended(self.provider.name, f"{call_id}-{tag}"), what=repr(caller))
				for caller, tag in tags.items()
			}
		for caller, number in scenarios.ODD_CALLERS.items():
			with self.subTest(caller=caller):
				call = logged[caller]
				self.assertEqual((call.status, call.caller_number), ("Completed", number))
				self.assertEqual(call.answered_by, self.agents["101"])


def _ended(provider: str, call_id: str):
	call = call_of(provider, call_id)
	return call if call and call.ended_at else None


def _site_time(unix_seconds: float) -> float:
	from telephony_crm.calls.times import from_unix_seconds

	return from_unix_seconds(unix_seconds).timestamp()


class TestTwoConnectorsOnOnePbx(FrappeTestCase):
	"""A standby connector following the same PBX changes nothing: provider `pair` has two connectors,
	`solo` one, and they follow the same traffic."""

	def setUp(self):
		self.extensions = tuple(sorted(scenarios.EXTENSIONS))

	def provider_replaying(self, sessions: list[ReplaySession]):
		server = ServerThread(ReplayAmiServer(sessions)).__enter__()
		self.addCleanup(server.__exit__)
		provider, agents = make_asterisk_provider(server.port, SECRET, extensions=self.extensions)
		self.addCleanup(remove_provider, provider.name)
		return provider.name, agents, server.server

	def test_two_connectors_record_what_one_does(self):
		# Both of the pair log in before the calls start. One that logged in mid-call would be told of the
		# live channels by a real PBX; the replay tells it of none, and so it would end those calls.
		both_in = threading.Event()
		self.addCleanup(both_in.set)
		paired = every_call_session(closed=True, hold={2 + len(NO_LIVE_CHANNELS): both_in})
		solo, solo_agents, solo_server = self.provider_replaying([every_call_session(closed=True)])
		pair, pair_agents, pair_server = self.provider_replaying([paired, paired])
		with ConnectorThread(solo), ConnectorThread(pair), ConnectorThread(pair):
			wait_until(
				lambda: [m.get("Action") for m in pair_server.received].count("CoreShowChannels") >= 2,
				what="both connectors of the pair to log in",
			)
			time.sleep(1)  # for their reconciliations to read the open calls
			both_in.set()
			# A connector that connects again has recorded all its session.
			wait_until(lambda: solo_server.attempts >= 2 and pair_server.attempts >= 4, what="the replays")
		frappe.db.rollback()
		call_ids = _call_ids(solo)
		self.assertEqual(len(call_ids), len(scenarios.SCENARIOS))
		for call_id in call_ids:
			with self.subTest(call_id):
				self.assertEqual(
					call_record(pair, call_id, pair_agents), call_record(solo, call_id, solo_agents)
				)

	def test_two_connectors_back_after_a_drop_end_a_lost_call_once(self):
		transcript = load_transcript("connector_ended_while_away")
		before, after = (ReplaySession.recorded(s) for s in transcript["sessions"])
		solo, solo_agents, solo_server = self.provider_replaying([before, after])
		pair, pair_agents, pair_server = self.provider_replaying([before, before, after, after])
		# Slow enough to reconnect that both have had their first session first.
		delays = (1.0,)
		with ConnectorThread(solo, delays), ConnectorThread(pair, delays), ConnectorThread(pair, delays):
			wait_until(lambda: solo_server.attempts >= 3 and pair_server.attempts >= 6, what="the replays")
		frappe.db.rollback()
		solo_call, pair_call = (
			call_record(provider, transcript["call_id"], agents)
			for provider, agents in ((solo, solo_agents), (pair, pair_agents))
		)
		ends = [event for event in pair_call["events"] if event[0] == "ended"]
		self.assertEqual([end[5] for end in ends], [LOST_CALL])
		# The end is a guess at reconnect time, so its time is each connector's own.
		self.assertEqual(_without_times(pair_call), _without_times(solo_call))
		self.assertEqual((pair_call["status"], pair_call["answered_by"]), ("Completed", "101"))

	def test_a_standby_that_joins_mid_call_records_what_one_connector_does(self):
		"""It finds calls up that it only sees in part, and leaves their ends to the connector that saw
		them whole."""
		session = every_call_session(closed=True)
		events = [f for f in session.frames if "Timestamp" in headers(f["lines"])]
		before = events[: len(events) // 2]
		joined = threading.Event()
		self.addCleanup(joined.set)
		whole = replace(session, hold={len(session.frames) - len(events) + len(before): joined})
		login = session.frames[:2]
		part = ReplaySession(
			session.banner,
			login + events[len(before) :],
			secret=SECRET,
			closed=True,
			live_channels=_live_channels(before),
			hold={len(login): joined},
		)
		solo, solo_agents, solo_server = self.provider_replaying([every_call_session(closed=True)])
		pair, pair_agents, pair_server = self.provider_replaying([whole, part])
		options = {"partial_end_delay": 2}
		with ConnectorThread(solo, **options), ConnectorThread(pair, **options):
			wait_until(
				lambda: _event_count(pair) == _events_mapped(before), what="the first half of the calls"
			)
			with ConnectorThread(pair, **options) as standby:
				wait_until(lambda: _listed_channels(pair_server) == 2, what="the standby's reconciliation")
				time.sleep(0.5)  # for it to read the open calls
				joined.set()
				wait_until(
					lambda: solo_server.attempts >= 2 and pair_server.attempts >= 4, what="the replays"
				)
				time.sleep(options["partial_end_delay"] + 1)
				partly_seen = [c for c in _call_ids(pair) if standby.connector.mapper.partly_seen(c)]
		self.assertGreater(len(partly_seen), 3)
		for call_id in _call_ids(solo):
			with self.subTest(call_id):
				self.assertEqual(
					call_record(pair, call_id, pair_agents), call_record(solo, call_id, solo_agents)
				)


def _live_channels(frames: list[dict]) -> list[dict]:
	"""The channels that `frames` leave up, as CoreShowChannels lists them."""
	live = {}
	for frame in frames:
		message = headers(frame["lines"])
		if message.get("Event") == "Newchannel":
			live[message["Uniqueid"]] = {key: message[key] for key in ("Channel", "Uniqueid", "Linkedid")}
		elif message.get("Event") == "Hangup":
			live.pop(message.get("Uniqueid"), None)
	return list(live.values())


def _events_mapped(frames: list[dict]) -> int:
	"""How many call events the site records from `frames` (a repeated one once)."""
	mapper = scenarios.mapper()
	return len({(e.call_id, e.key) for frame in frames for e in mapper.feed(headers(frame["lines"]))})


def _event_count(provider: str) -> int:
	return frappe.db.count("Telephony Call Event", {"parent": ("in", _call_names(provider) or [""])})


def _call_names(provider: str) -> list[str]:
	return frappe.get_all("Telephony Call Log", {"provider": provider}, pluck="name")


def _call_ids(provider: str) -> list[str]:
	return frappe.get_all("Telephony Call Log", {"provider": provider}, pluck="call_id")


def _listed_channels(server: ReplayAmiServer) -> int:
	return sum(action.get("Action") == "CoreShowChannels" for action in server.received)


def _without_times(record: dict) -> dict:
	events = [
		(event, extension, status, raw) for event, _time, extension, status, _d, raw, _u in record["events"]
	]
	times = ("ended_at", "talk_duration")
	return {**{k: v for k, v in record.items() if k not in times}, "events": events}


class TestSupervisor(FrappeTestCase):
	"""follow_providers, the bench command's loop, following several providers at once."""

	def provider_replaying(self, *sessions: ReplaySession):
		server = ServerThread(ReplayAmiServer(list(sessions))).__enter__()
		self.addCleanup(server.__exit__)
		provider, _agents = make_asterisk_provider(server.port, SECRET)
		self.addCleanup(remove_provider, provider.name)
		return provider.name, server.server

	def supervise(self, **options) -> None:
		supervisor = SupervisorThread(**options).__enter__()
		self.addCleanup(supervisor.__exit__)

	def test_a_call_waiting_for_its_lock_holds_up_no_other_provider(self):
		call_id = load_transcript("inbound_answered")["call_id"]
		waiting, waiting_server = self.provider_replaying(call_session("inbound_answered"))
		flowing, flowing_server = self.provider_replaying(call_session("inbound_answered"))
		# Held from this test's connection, as a web request saving the call would.
		with call_lock(waiting, call_id):
			self.supervise(keepalive_seconds=0.2)
			wait_until(
				lambda: (
					_ended(flowing, call_id) and _pings(waiting_server) >= 3 and _pings(flowing_server) >= 3
				),
				timeout=8,
				what="the other provider's call, and both providers' pings",
			)
			self.assertIsNone(call_of(waiting, call_id))
		call = wait_until(lambda: _ended(waiting, call_id), what="the waiting call, once its lock is free")
		self.assertEqual(call.status, "Completed")
		self.assertEqual((waiting_server.connections, flowing_server.connections), (1, 1))

	def test_a_connector_that_dies_is_logged_and_started_again(self):
		call_id = load_transcript("inbound_answered")["call_id"]
		provider, _server = self.provider_replaying(call_session("inbound_answered"))
		with self.assertLogs("telephony_crm.asterisk", "ERROR") as logs:
			self.supervise(make_connector=_dying_once(provider))
			call = wait_until(lambda: _ended(provider, call_id), what="the call, after the restart")
			status = wait_until(
				lambda: "; restarted" in connector_status(provider) and connector_status(provider),
				what="the restart in the status",
			)
		self.assertEqual(call.status, "Completed")
		self.assertRegex(
			status, r" connected; restarted \S+ [:\d]+ after error: RuntimeError: database gone$"
		)
		death = next(r for r in logs.records if "stopped by an error" in r.getMessage())
		self.assertEqual(str(death.exc_info[1]), "database gone")  # logged with its traceback


def _pings(server: ReplayAmiServer) -> int:
	return sum(action.get("Action") == "Ping" for action in server.received)


def _dying_once(provider: str):
	"""Connectors as the supervisor makes them, except that the provider's first dies at once."""
	died = []

	async def die():
		died.append(True)
		raise RuntimeError("database gone")

	def make(settings, restart_note=None):
		connector = AsteriskConnector(settings, restart_note=restart_note)
		if settings.provider == provider and not died:
			connector.follow_reconnecting = die
		return connector

	return make


class TestSiteWorker(FrappeTestCase):
	def test_jobs_run_in_order_on_a_connection_of_their_own(self):
		worker = site_worker.SiteWorker("test-worker")
		self.addCleanup(worker.close)
		done = []

		async def jobs():
			await asyncio.gather(*(worker.run(done.append, n) for n in range(20)))
			return await worker.run(_connection_id)

		self.assertNotEqual(asyncio.run(jobs()), _connection_id())
		self.assertEqual(done, list(range(20)))


def _connection_id() -> int:
	return frappe.db.sql("SELECT CONNECTION_ID()")[0][0]


class TestDatabaseReconnect(unittest.TestCase):
	"""The connector outlives database connections: a dropped one is renewed and the job run again."""

	def test_a_job_is_run_again_after_the_database_connection_is_renewed(self):
		job = Mock(side_effect=[pymysql.InterfaceError(0, ""), "recorded"])
		with patch.object(frappe.db, "connect") as connect:
			self.assertEqual(site_worker.reconnecting(job, "event"), "recorded")
		connect.assert_called_once()
		self.assertEqual(job.call_count, 2)

	def test_other_errors_are_not_retried(self):
		job = Mock(side_effect=frappe.ValidationError("bad"))
		with patch.object(frappe.db, "connect") as connect, self.assertRaises(frappe.ValidationError):
			site_worker.reconnecting(job, "event")
		connect.assert_not_called()
		job.assert_called_once()
