"""Every scenario again, from its recording: the protocol client, the scenario's own actions (Originate,
Atxfer, Hangup) and the mapper, over a socket, with no Asterisk needed."""

import asyncio
import unittest

from telephony_crm.providers.asterisk.tests import scenarios
from telephony_crm.providers.asterisk.tests.ami_server import ReplayAmiServer, ReplaySession, load_transcript


async def replay(name: str):
	transcript = load_transcript(name)
	server = ReplayAmiServer([ReplaySession.recorded(session) for session in transcript["sessions"]])
	port = await server.start()
	try:
		call_id = transcript["call_id"]
		messages = await scenarios.play(
			scenarios.BY_NAME[name], call_id, "127.0.0.1", port, "telephony", "any"
		)
		return call_id, messages, server.received
	finally:
		await server.stop()


class TestReplayedScenarios(unittest.TestCase):
	def test_each_scenario_replayed_maps_to_its_call(self):
		for scenario in scenarios.SCENARIOS:
			with self.subTest(scenario.name):
				call_id, messages, _ = asyncio.run(replay(scenario.name))
				scenarios.check(self, scenario, call_id, scenarios.map_events(messages))

	def test_click_to_call_originates_under_the_call_id(self):
		call_id, _, received = asyncio.run(replay("click_to_call"))
		originate = next(m for m in received if m.get("Action") == "Originate")
		self.assertEqual(originate["ChannelId"], call_id)
		self.assertEqual(originate["Channel"], "Local/101@phones")
		self.assertEqual((originate["Context"], originate["Exten"]), ("from-internal", "0612345678"))
		self.assertEqual(originate["CallerID"], '"0612345678" <0612345678>')
		self.assertEqual(originate["ActionID"], f"originate-{call_id}")

	def test_reject_hangs_up_every_channel_of_the_call_as_rejected(self):
		_, _, received = asyncio.run(replay("rejected"))
		hangups = [m for m in received if m.get("Action") == "Hangup"]
		self.assertTrue(hangups)
		self.assertEqual({m["Cause"] for m in hangups}, {"21"})
