"""The connector against a real Asterisk, through a recording proxy that can cut the line: a dropped
connection mid-call, a PBX restart, a wrong password, and click-to-call and reject through the provider.
With TELEPHONY_AMI_RECORD=1 the connector's sessions become the fixtures test_connector replays.

The restart needs TELEPHONY_TEST_ASTERISK, the asterisk binary that can stop and start the PBX."""

import asyncio
import os
import subprocess
import unittest

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.events import Direction, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.providers import get_provider
from telephony_crm.providers.asterisk.protocol import AmiClient
from telephony_crm.providers.asterisk.tests import scenarios
from telephony_crm.providers.asterisk.tests.ami_server import RecordingProxy, headers, save_transcript
from telephony_crm.providers.asterisk.tests.live import RECORD, SKIP_REASON, live_ami
from telephony_crm.providers.asterisk.tests.site import (
	ConnectorThread,
	ServerThread,
	call_of,
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
			sessions = [s for s in self.proxy.server.sessions if _is_connector(s)]
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


async def _originate(fields: dict) -> None:
	client = await AmiClient.connect(LIVE.host, LIVE.port)
	try:
		await client.login(LIVE.username, LIVE.secret, events="off")
		await client.action("Originate", {**fields, "Async": "true"})
	finally:
		await client.close()


def _is_connector(session: dict) -> bool:
	"""The connector's sessions (following events), not the provider's short command sessions."""
	login = headers(session["frames"][0]["lines"]) if session["frames"] else {}
	return login.get("Events") not in (None, "off")
