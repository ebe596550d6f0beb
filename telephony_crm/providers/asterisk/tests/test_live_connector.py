"""The connector against a real Asterisk, through a recording proxy that can cut the line: a dropped
connection mid-call, a PBX restart, a wrong password, and click-to-call and reject through the provider.
With TELEPHONY_AMI_RECORD=1 the connector's sessions become the fixtures test_connector replays.
Then a standby: two connectors following the PBX for one provider record what one does for another.

The restart needs TELEPHONY_TEST_ASTERISK, the asterisk binary that can stop and start the PBX."""

import asyncio
import os
import subprocess
import time
import unittest

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.events import Direction, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.providers import get_provider
from telephony_crm.providers.asterisk.mapper import LOST_CALL
from telephony_crm.providers.asterisk.protocol import AmiClient
from telephony_crm.providers.asterisk.tests import scenarios
from telephony_crm.providers.asterisk.tests.ami_server import (
	RecordingProxy,
	headers,
	is_connector_session,
	save_transcript,
)
from telephony_crm.providers.asterisk.tests.live import RECORD, SKIP_REASON, live_ami
from telephony_crm.providers.asterisk.tests.site import (
	ConnectorThread,
	ServerThread,
	call_of,
	call_record,
	connector_state,
	connector_status,
	make_asterisk_provider,
	remove_provider,
	wait_until,
)
from telephony_crm.providers.base import OriginateRequest
from telephony_crm.tests.factories import call_event, unique

LIVE = live_ami()
ASTERISK = os.environ.get("TELEPHONY_TEST_ASTERISK")
# Scenarios that need no action of their own and end within seconds, placed at the same time.
STANDBY_SCENARIOS = (
	"inbound_answered",
	"inbound_busy",
	"inbound_congestion",
	"inbound_cancelled",
	"ring_group_answered",
	"blind_transfer",
	"outbound_answered",
	"outbound_busy",
	"internal_answered",
)
# How long the slower connector of two may take over the last events after the other's are recorded.
SETTLE_SECONDS = 2


@unittest.skipUnless(LIVE, SKIP_REASON)
class TestLiveConnector(FrappeTestCase):
	def setUp(self):
		self.proxy = ServerThread(RecordingProxy(LIVE.host, LIVE.port)).__enter__()
		self.addCleanup(self.proxy.__exit__)
		self.provider, self.agents = make_asterisk_provider(
			self.proxy.port, LIVE.secret, username=LIVE.username
		)
		self.addCleanup(remove_provider, self.provider.name)

	def call_in(self, did: str, **variables) -> str:
		"""Start an inbound call on the PBX (on a session of its own, not the connector's); its id."""
		call_id = unique("live")
		asyncio.run(_originate({**scenarios.inbound(did, **variables), "ChannelId": call_id}))
		return call_id

	def wait_for_status(self, word: str, timeout: float = 30) -> str:
		return wait_until(
			lambda: (
				connector_state(self.provider.name).startswith(word) and connector_status(self.provider.name)
			),
			timeout,
			f"status {word!r}",
		)

	def wait_for_call(self, call_id: str, condition, what: str, timeout: float = 60):
		return wait_until(
			lambda: (c := call_of(self.provider.name, call_id)) and condition(c) and c, timeout, what
		)

	def record(self, name: str, call_id: str | None) -> None:
		if RECORD:
			sessions = [s for s in self.proxy.server.sessions if is_connector_session(s)]
			save_transcript(name, {"scenario": name, "call_id": call_id, "sessions": sessions})

	def test_a_connection_dropped_mid_call(self):
		with self.assertLogs("telephony_crm.asterisk", "INFO") as logs, ConnectorThread(self.provider.name):
			self.wait_for_status("connected")
			call_id = self.call_in("5551000", __TALK_SECS=6)
			self.wait_for_call(call_id, lambda c: c.status == "In Progress", "the answer")
			self.proxy.call(self.proxy.server.drop)
			call = self.wait_for_call(call_id, lambda c: c.ended_at, "the end")
			self.wait_for_status("connected")
		self.assertTrue(any("disconnected" in line for line in logs.output), logs.output)
		self.assertEqual((call.status, call.answered_by), ("Completed", self.agents["101"]))
		# Followed to its real end after the reconnect, not ended by the reconciliation.
		self.assertEqual(self._last_raw_status(call.name), "hangup: Normal Clearing")
		self.record("connector_dropped_mid_call", call_id)

	def test_a_call_that_ends_while_disconnected(self):
		with ConnectorThread(self.provider.name, reconnect_delays=(8,)):
			self.wait_for_status("connected")
			call_id = self.call_in("5551000", __TALK_SECS=2)
			self.wait_for_call(call_id, lambda c: c.status == "In Progress", "the answer")
			self.proxy.call(self.proxy.server.drop)
			call = self.wait_for_call(call_id, lambda c: c.ended_at, "the end")
		self.assertEqual((call.status, call.answered_by), ("Completed", self.agents["101"]))
		self.assertEqual(self._last_raw_status(call.name), "no live channel after reconnect")
		self.record("connector_ended_while_away", call_id)

	@unittest.skipUnless(ASTERISK, "set TELEPHONY_TEST_ASTERISK to the asterisk binary to test a PBX restart")
	def test_a_pbx_restart_mid_call(self):
		with ConnectorThread(self.provider.name, reconnect_delays=(0.5, 1, 2)):
			self.wait_for_status("connected")
			call_id = self.call_in("5551000", __TALK_SECS=60)
			self.wait_for_call(call_id, lambda c: c.status == "In Progress", "the answer")
			subprocess.run([ASTERISK, "-rx", "core stop now"], check=True, timeout=30)
			self.wait_for_status("disconnected")
			subprocess.run([ASTERISK], check=True, timeout=30)
			call = self.wait_for_call(call_id, lambda c: c.ended_at, "the end")
			self.wait_for_status("connected")
		# Stopping hangs up the PBX's calls; their Hangups may or may not reach the connector before the
		# connection goes, and the reconciliation after the reconnect ends the call if they did not.
		self.assertEqual((call.status, call.answered_by), ("Completed", self.agents["101"]))
		self.record("connector_pbx_restart", call_id)

	def test_a_wrong_password(self):
		self.provider.ami_secret = "not-the-secret"
		self.provider.save(ignore_permissions=True)
		frappe.db.commit()
		with self.assertLogs("telephony_crm.asterisk", "ERROR") as logs:
			with ConnectorThread(self.provider.name):
				status = self.wait_for_status("login failed")
		self.assertIn("Authentication failed", status)
		self.assertNotIn("not-the-secret", status + "".join(logs.output))
		self.record("connector_login_refused", None)

	def test_click_to_call_and_reject_through_the_provider(self):
		provider = get_provider(self.provider.name)
		with ConnectorThread(self.provider.name):
			self.wait_for_status("connected")
			call_id = unique("c2c")
			# The site creates the call before asking the PBX for it.
			commit_event(
				call_event(
					self.provider.name,
					call_id,
					EventType.RINGING,
					direction=Direction.OUTBOUND,
					caller="101",
					called="0612345678",
				)
			)
			provider.originate(OriginateRequest(call_id, "101", "0612345678"))
			placed = self.wait_for_call(call_id, lambda c: c.ended_at, "the click-to-call to end")

			rejected_id = self.call_in("5551191")
			self.wait_for_call(rejected_id, lambda c: c.extension == "191", "the ringing")
			provider.hangup(rejected_id)
			rejected = self.wait_for_call(rejected_id, lambda c: c.ended_at, "the rejected call to end")
		self.assertEqual(
			(placed.status, placed.direction, placed.answered_by),
			("Completed", "Outbound", self.agents["101"]),
		)
		self.assertRegex(placed.recording_url, rf"{call_id}\.wav$")
		self.assertEqual((rejected.status, rejected.agent), ("Rejected", self.agents["191"]))

	def _last_raw_status(self, call: str) -> str:
		events = frappe.get_all(
			"Telephony Call Event", {"parent": call}, ["event", "raw_status"], order_by="event_time"
		)
		return [e.raw_status for e in events if e.event == "ended"][-1]


@unittest.skipUnless(LIVE, SKIP_REASON)
class TestLiveStandbyConnector(FrappeTestCase):
	"""Provider `pair` follows the PBX with two connectors, `solo` with one; the same calls must leave the
	same records on both."""

	def setUp(self):
		# The pair's connections go through a proxy, so that the test can cut both at once.
		self.proxy = ServerThread(RecordingProxy(LIVE.host, LIVE.port)).__enter__()
		self.addCleanup(self.proxy.__exit__)
		self.solo, self.solo_agents = self.make_provider(LIVE.host, LIVE.port)
		self.pair, self.pair_agents = self.make_provider("127.0.0.1", self.proxy.port)

	def make_provider(self, host: str, port: int):
		provider, agents = make_asterisk_provider(
			port, LIVE.secret, host, LIVE.username, extensions=tuple(sorted(scenarios.EXTENSIONS))
		)
		self.addCleanup(remove_provider, provider.name)
		return provider.name, agents

	def connectors(self, **options) -> list[ConnectorThread]:
		"""The solo connector and the pair's two."""
		return [ConnectorThread(name, **options) for name in (self.solo, self.pair, self.pair)]

	def follow(self, *threads: ConnectorThread) -> tuple[ConnectorThread, ...]:
		"""Start the connectors and wait until they are logged in."""
		for thread in threads:
			thread.__enter__()
			self.addCleanup(thread.__exit__)
		wait_until(lambda: all(thread.logged_in for thread in threads), what="logged-in connectors")
		return threads

	def place(self, originate: dict) -> str:
		call_id = unique("standby")
		asyncio.run(_originate({**originate, "ChannelId": call_id}))
		return call_id

	def wait_for_ends(self, call_ids: list[str], timeout: float = 60) -> None:
		for call_id in call_ids:
			wait_until(
				lambda: all(_has_ended(provider, call_id) for provider in (self.solo, self.pair)),
				timeout,
				f"the end of {call_id}",
			)
		time.sleep(SETTLE_SECONDS)
		frappe.db.rollback()

	def records(self, call_id: str) -> tuple[dict, dict]:
		return (
			call_record(self.solo, call_id, self.solo_agents),
			call_record(self.pair, call_id, self.pair_agents),
		)

	def test_a_standby_records_what_one_connector_does(self):
		self.follow(*self.connectors())
		call_ids = [self.place(scenarios.BY_NAME[name].originate) for name in STANDBY_SCENARIOS]
		callers = {self.place(scenarios.inbound_from(caller)): caller for caller in scenarios.ODD_CALLERS}
		self.wait_for_ends(call_ids + list(callers))
		for call_id in call_ids + list(callers):
			with self.subTest(call_id):
				solo, pair = self.records(call_id)
				self.assertEqual(pair, solo)
				self.assertEqual(len([e for e in solo["events"] if e[0] == "ended"]), 1)
		for call_id, caller in callers.items():
			with self.subTest(caller=caller):
				call = call_of(self.pair, call_id)
				self.assertEqual(
					(call.status, call.caller_number), ("Completed", scenarios.ODD_CALLERS[caller])
				)

	def test_a_standby_started_mid_call_records_what_one_connector_does(self):
		"""It sees the calls that are up when it starts only in part, and leaves their ends to the other."""
		solo, first, standby = self.connectors(partial_end_delay=SETTLE_SECONDS / 2)
		self.follow(solo, first)
		call_ids = [
			self.place(originate)
			for originate in (
				scenarios.inbound("5551000", __TALK_SECS=6),
				scenarios.inbound("5552000", __TALK_SECS=6),
				scenarios.inbound("5551191", CALLER_SECS=5),
				scenarios.from_extension("101", "0612345678", __TALK_SECS=6),
			)
		]
		wait_until(
			lambda: (c := call_of(self.pair, call_ids[0])) and c.status == "In Progress", 30, "an answer"
		)
		self.follow(standby)
		self.wait_for_ends(call_ids)
		self.assertTrue(all(standby.connector.mapper.partly_seen(call_id) for call_id in call_ids))
		for call_id in call_ids:
			with self.subTest(call_id):
				solo_record, pair_record = self.records(call_id)
				self.assertEqual(pair_record, solo_record)

	def test_the_standby_carries_on_when_the_other_connector_stops(self):
		_solo, first, _second = self.follow(*self.connectors())
		call_id = self.place(scenarios.inbound("5551000", __TALK_SECS=6))
		wait_until(lambda: (c := call_of(self.pair, call_id)) and c.status == "In Progress", 30, "the answer")
		first.__exit__()
		self.wait_for_ends([call_id])
		solo, pair = self.records(call_id)
		self.assertEqual(pair, solo)
		self.assertEqual((pair["status"], pair["answered_by"]), ("Completed", "101"))

	def test_two_connectors_back_after_a_drop_end_a_lost_call_once(self):
		self.follow(*self.connectors(reconnect_delays=(8,)))
		call_id = self.place(scenarios.inbound("5551000", __TALK_SECS=2))
		wait_until(lambda: (c := call_of(self.pair, call_id)) and c.status == "In Progress", 30, "the answer")
		self.proxy.call(self.proxy.server.drop)
		self.wait_for_ends([call_id])
		solo, pair = self.records(call_id)
		# The solo connector saw the hang-up; both of the pair guessed the end after the reconnect.
		self.assertEqual(_ends(solo), ["hangup: Normal Clearing"])
		self.assertEqual(_ends(pair), [LOST_CALL])
		self.assertEqual((pair["status"], pair["answered_by"]), (solo["status"], solo["answered_by"]))


def _has_ended(provider: str, call_id: str) -> bool:
	call = call_of(provider, call_id)
	return bool(call and call.ended_at)


def _ends(record: dict) -> list[str]:
	return [raw_status for event, *_, raw_status, _url in record["events"] if event == "ended"]


async def _originate(fields: dict) -> None:
	client = await AmiClient.connect(LIVE.host, LIVE.port)
	try:
		await client.login(LIVE.username, LIVE.secret, events="off")
		await client.action("Originate", {**fields, "Async": "true"})
	finally:
		await client.close()
