"""Every scenario against a real Asterisk, at the same time; with TELEPHONY_AMI_RECORD=1 the traffic
becomes the fixtures the replay tests play."""

import asyncio
import unittest

from telephony_crm.providers.asterisk.tests import scenarios
from telephony_crm.providers.asterisk.tests.ami_server import RecordingProxy, headers, save_transcript
from telephony_crm.providers.asterisk.tests.live import RECORD, SKIP_REASON, live_ami

LIVE = live_ami()


@unittest.skipUnless(LIVE, SKIP_REASON)
class TestLiveScenarios(unittest.TestCase):
	def test_every_scenario_maps_to_its_call_events(self):
		results = asyncio.run(self.play_all())
		for scenario, call_id, messages, proxy in results:
			if RECORD:
				save_transcript(scenario.name, _transcript(scenario, call_id, proxy))
			with self.subTest(scenario.name):
				scenarios.check(self, scenario, call_id, scenarios.map_events(messages))

	async def play_all(self):
		async def one(scenario):
			proxy = RecordingProxy(LIVE.host, LIVE.port)
			port = await proxy.start()
			call_id = scenarios.new_call_id(scenario)
			try:
				messages = await scenarios.play(
					scenario, call_id, "127.0.0.1", port, LIVE.username, LIVE.secret
				)
			finally:
				await proxy.stop()
			return scenario, call_id, messages, proxy

		# Queue members ring only when free, so the queue calls wait for the others and for each other.
		results = await asyncio.gather(
			*(one(s) for s in scenarios.SCENARIOS if not s.name.startswith("queue"))
		)
		for scenario in scenarios.SCENARIOS:
			if scenario.name.startswith("queue"):
				results.append(await one(scenario))
		return results


def _transcript(scenario, call_id: str, proxy: RecordingProxy) -> dict:
	"""The scenario's session, less the frames of other calls that were live at the same time."""
	session = proxy.sessions[0]
	frames = [f for f in session["frames"] if f["from"] == "client" or _about(f, call_id)]
	return {
		"scenario": scenario.name,
		"doc": scenario.doc,
		"call_id": call_id,
		"sessions": [{**session, "frames": frames}],
	}


def _about(frame: dict, call_id: str) -> bool:
	message = headers(frame["lines"])
	answers_this_session = "ActionID" in message and message.get("Event") != "OriginateResponse"
	return "Event" not in message or answers_this_session or scenarios.belongs_to_call(message, call_id)
