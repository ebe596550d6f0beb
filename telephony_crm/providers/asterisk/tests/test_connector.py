"""The connector, from AMI traffic to the call log, against the replaying server: a call, malformed
frames, a connection dropped mid-call, a PBX restart, a wrong password (recorded from a real Asterisk by
test_live_connector), and calls lost while it was away."""

import unittest
from unittest.mock import patch

import frappe
import pymysql
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.events import EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.providers.asterisk import connector
from telephony_crm.providers.asterisk.tests.ami_server import (
	ReplayAmiServer,
	ReplaySession,
	headers,
	load_transcript,
)
from telephony_crm.providers.asterisk.tests.site import (
	ConnectorThread,
	ServerThread,
	call_of,
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


def call_session(name: str, until: str | None = None, **changes) -> ReplaySession:
	"""A connector's view of a recorded scenario: its login, then the call's events (up to the first frame
	for which `until` is in a line, when given)."""
	session = load_transcript(name)["sessions"][0]
	frames = session["frames"][:2] + NO_LIVE_CHANNELS  # Login and its answer, then the reconciliation
	for frame in session["frames"][2:]:
		message = headers(frame["lines"])
		if frame["from"] == "client" or "Event" not in message or "ActionID" in message:
			continue  # the scenario's own actions, which a connector does not send
		if until and any(until in line for line in frame["lines"]):
			break
		frames.append(frame)
	return ReplaySession(session["banner"], frames, secret=SECRET, **changes)


def events_after(name: str, until: str) -> list[dict]:
	session = call_session(name)
	index = next(i for i, f in enumerate(session.frames) if any(until in line for line in f["lines"]))
	return session.frames[index:]


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


def _ended(provider: str, call_id: str):
	call = call_of(provider, call_id)
	return call if call and call.ended_at else None


def _site_time(unix_seconds: float) -> float:
	from telephony_crm.calls.times import from_unix_seconds

	return from_unix_seconds(unix_seconds).timestamp()


class TestDatabaseReconnect(unittest.TestCase):
	"""The connector outlives database connections: a dropped one is renewed and the event kept."""

	def test_event_is_recorded_after_the_database_connection_is_renewed(self):
		event = object()
		lost = pymysql.InterfaceError(0, "")
		with (
			patch.object(connector, "commit_event", side_effect=[lost, None]) as commit,
			patch.object(frappe.db, "connect") as connect,
		):
			connector.commit_reconnecting(event)
		connect.assert_called_once()
		self.assertEqual(commit.call_count, 2)

	def test_other_errors_are_not_retried(self):
		with (
			patch.object(connector, "commit_event", side_effect=frappe.ValidationError("bad")),
			patch.object(frappe.db, "connect") as connect,
			self.assertRaises(frappe.ValidationError),
		):
			connector.commit_reconnecting(object())
		connect.assert_not_called()
