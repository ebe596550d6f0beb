"""Transfer and hold from the desk against a real Asterisk (the lab dialplan, with its `telephony-hold`
context), followed by the connector: the call moves to the colleague, or waits on hold and comes back."""

import asyncio
import unittest
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls import transfer
from telephony_crm.providers.asterisk import actions
from telephony_crm.providers.asterisk.protocol import AmiClient
from telephony_crm.providers.asterisk.tests import scenarios
from telephony_crm.providers.asterisk.tests.live import SKIP_REASON, live_ami
from telephony_crm.providers.asterisk.tests.site import (
	ConnectorThread,
	call_of,
	connector_state,
	make_asterisk_provider,
	remove_provider,
	wait_until,
)
from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.tests.factories import unique

LIVE = live_ami()


@unittest.skipUnless(LIVE, SKIP_REASON)
class TestLiveCallControl(FrappeTestCase):
	def setUp(self):
		self.provider, self.agents = make_asterisk_provider(
			LIVE.port, LIVE.secret, LIVE.host, LIVE.username, extensions=("101", "102")
		)
		self.addCleanup(remove_provider, self.provider.name)
		connector = ConnectorThread(self.provider.name).__enter__()
		self.addCleanup(connector.__exit__)
		wait_until(lambda: connector_state(self.provider.name) == "connected", what="the connector")
		self.addCleanup(frappe.set_user, "Administrator")

	def answered_call(self, talk_seconds: int) -> tuple[str, object]:
		"""An inbound call answered by 101, as the site recorded it: its id and record."""
		call_id = unique("live-ctl")
		originate = {
			**scenarios.inbound("5551000", __TALK_SECS=talk_seconds),
			"ChannelId": call_id,
			"Async": "true",
		}
		_on_pbx(lambda client: client.action("Originate", originate))
		self.wait_for(call_id, lambda c: c.status == "In Progress", "the answer")
		return call_id, frappe.get_doc("Telephony Call Log", call_of(self.provider.name, call_id).name)

	def wait_for(self, call_id: str, condition, what: str, timeout: float = 30):
		return wait_until(
			lambda: (c := call_of(self.provider.name, call_id)) and condition(c) and c, timeout, what
		)

	def end(self, call_id: str):
		"""Hang the call up and wait until the connector has recorded its end (before the cleanup)."""
		_on_pbx(lambda client: actions.hang_up(client, call_id))
		return self.wait_for(call_id, lambda c: c.ended_at, "the end")

	def test_blind_transfer_from_the_desk(self):
		call_id, call = self.answered_call(talk_seconds=20)
		frappe.set_user(self.agents["101"])
		transfer.transfer_call(call, self.agents["102"])
		moved = self.wait_for(
			call_id, lambda c: c.answered_by == self.agents["102"], "the colleague's answer"
		)
		self.assertEqual(
			(moved.status, moved.agent, moved.extension), ("In Progress", self.agents["102"], "102")
		)
		history = frappe.get_all("Telephony Call Event", {"parent": call.name}, pluck="raw_status")
		self.assertIn(
			f"blind transfer from 101 to 102 ({self.agents['102']}) by {self.agents['101']}", history
		)
		self.assertIn("blind transfer from 101 to 102", history)  # the PBX's own report of it
		self.end(call_id)

	def test_attended_transfer_completes_when_the_agent_hangs_up(self):
		call_id, call = self.answered_call(talk_seconds=6)
		frappe.set_user(self.agents["101"])
		transfer.transfer_call(call, self.agents["102"], attended=True)
		moved = self.wait_for(call_id, lambda c: c.answered_by == self.agents["102"], "the handover", 40)
		self.assertEqual(moved.agent, self.agents["102"])
		self.end(call_id)

	def test_hold_and_resume(self):
		call_id, call = self.answered_call(talk_seconds=20)
		frappe.set_user(self.agents["101"])
		transfer.hold_call(call)
		held = _channels(call_id)
		self.assertEqual(
			sorted((c["Exten"], c["Application"]) for c in held if c.get("Context") == actions.HOLD_CONTEXT),
			[("agent", "Wait"), ("caller", "MusicOnHold")],
		)
		transfer.resume_call(call)
		bridges = {c.get("BridgeId") for c in _channels(call_id) if c["Channel"].endswith(";1")}
		self.assertEqual(len(bridges - {""}), 1)  # the caller and the agent, together again
		self.assertEqual(call_of(self.provider.name, call_id).status, "In Progress")
		ended = self.end(call_id)
		self.assertEqual((ended.status, ended.answered_by), ("Completed", self.agents["101"]))

	def test_hold_without_the_hold_context_moves_nobody(self):
		call_id, call = self.answered_call(talk_seconds=20)
		frappe.set_user(self.agents["101"])
		with patch.object(actions, "HOLD_CONTEXT", "telephony-hold-missing"):
			with self.assertRaises(ProviderCommandError) as refused:
				transfer.hold_call(call)
		self.assertIn("telephony-hold-missing", str(refused.exception))
		live = _channels(call_id)
		self.assertTrue(any(c.get("BridgeId") for c in live), live)
		self.end(call_id)


def _on_pbx(work):
	"""`work(client)` on an AMI session of its own (not the connector's); its result."""

	async def session():
		client = await AmiClient.connect(LIVE.host, LIVE.port)
		try:
			await client.login(LIVE.username, LIVE.secret, events="off")
			return await work(client)
		finally:
			await client.close()

	return asyncio.run(session())


def _channels(call_id: str) -> list[dict]:
	return [
		c
		for c in _on_pbx(lambda client: client.list_action("CoreShowChannels"))
		if c.get("Linkedid") == call_id
	]
