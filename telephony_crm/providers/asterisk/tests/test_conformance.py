"""Asterisk on the provider conformance kit: calls recorded from the lab PBX, made into each scenario's
call, reach the app through its AMI connector, which stays logged in to a kit PBX for the whole class.

A recording becomes the plan's call by a rewrite of its PBX events: the call's ids (the Linkedid is the
call id), the caller's or the dialled number, the extensions that rang, and its times, stretched so
that it rings and talks as long as the plan says. The recorded Originate that started the lab call (and
any other action the recording sent) is left out: the PBX's events are what the connector hears.
"""

import contextlib
import re
import time
from datetime import timezone

from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.events import EventType
from telephony_crm.providers.asterisk.connector import AsteriskConnector
from telephony_crm.providers.asterisk.tests import scenarios
from telephony_crm.providers.asterisk.tests.ami_server import headers, load_transcript
from telephony_crm.providers.asterisk.tests.kit_pbx import KitPbx
from telephony_crm.providers.asterisk.tests.site import ConnectorThread, ServerThread
from telephony_crm.tests.conformance.kit import (
	RING_SECONDS,
	TALK_SECONDS,
	CallPlan,
	ConformanceTests,
	ProviderKit,
	Scenario,
)

USERNAME, SECRET = "telephony", "kit-secret"
SYNC = "telephony-kit-sync"
DELIVERY_TIMEOUT_SECONDS = 30
# Events that belong to the recording's own AMI session, not to the call.
SESSION_EVENTS = {"FullyBooted", "CoreShowChannel", "CoreShowChannelsComplete"}

# Scenario -> the recording it is made from, and the recorded extensions as the plan's lines.
RECORDINGS = {
	Scenario.INBOUND_ANSWERED: ("inbound_answered", {"101": "first"}),
	Scenario.INBOUND_MISSED: ("inbound_cancelled", {"191": "first"}),
	Scenario.BUSY: ("inbound_busy", {"190": "first"}),
	# 101 answered the recorded call: it is the plan's second line, the one that answers.
	Scenario.GROUP_ANSWERED: ("ring_group_answered", {"101": "second", "102": "first"}),
	Scenario.TRANSFERRED: ("attended_transfer", {"101": "first", "102": "second"}),
	Scenario.OUTBOUND_ANSWERED: ("outbound_answered", {"101": "first"}),
	Scenario.OUTBOUND_NOT_ANSWERED: ("outbound_no_answer", {"101": "first"}),
	Scenario.CLICK_TO_CALL_ANSWERED: ("click_to_call", {"101": "first"}),
	Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER: ("click_to_call_agent_no_answer", {"191": "first"}),
	Scenario.REJECTED: ("rejected", {"191": "first"}),
	Scenario.RECORDING: ("inbound_answered", {"101": "first"}),
	Scenario.DUPLICATES: ("inbound_answered", {"101": "first"}),
}
# The recordings' outside numbers: the caller of inbound calls, the number dialled by outbound ones.
RECORDED_NUMBERS = (scenarios.CALLER, "0612345678", "0888123456")


def national(number: str) -> str:
	"""+7 916 … as a Russian trunk presents it: 8 916 …"""
	return f"8{number[2:]}" if number.startswith("+7") else number


class RecordedCall:
	"""A recording's PBX events, rewritten as the plan's call."""

	def __init__(self, scenario: Scenario, plan: CallPlan):
		name, lines = RECORDINGS[scenario]
		transcript = load_transcript(name)
		self.recorded_id = transcript["call_id"]
		self.plan = plan
		number = national(plan.customer_number)
		names = {
			self.recorded_id: plan.call_id,
			**dict.fromkeys(RECORDED_NUMBERS, number),
			**{extension: getattr(plan, role).extension for extension, role in lines.items()},
		}
		# Whole words only: 101 is not rewritten inside 5551101, a timestamp or a Uniqueid.
		pattern = re.compile("|".join(rf"(?<![\w.]){re.escape(word)}(?!\w)" for word in names))
		self._rename = lambda value: pattern.sub(lambda match: names[match.group()], value)
		self.before, self.after = self._split(transcript["sessions"][0]["frames"])
		self._stretch_times()

	def _split(self, frames: list[dict]) -> tuple[list[dict], list[dict]]:
		"""The PBX's events before and after the first action the recording sent once the call was up
		(the hang-up of a rejected call), renamed."""
		parts, actions = ([], []), 0
		for frame in frames:
			message = headers(frame["lines"])
			if frame["from"] == "client":
				actions += message["Action"] not in ("Login", "Originate")
			elif "Event" in message and message["Event"] not in SESSION_EVENTS:
				parts[min(actions, 1)].append(self._renamed(message))
		return parts

	def _renamed(self, message: dict) -> dict:
		renamed = {}
		for key, value in message.items():
			if key.endswith(("Uniqueid", "Linkedid")) and not value.startswith(self.recorded_id):
				value = f"{self.plan.call_id}-{value}"  # the call's other channels and bridges
			renamed[key] = value if key == "Timestamp" else self._rename(value)
		return renamed

	def _stretch_times(self) -> None:
		"""Map the recorded times so that the call rings RING_SECONDS and talks TALK_SECONDS."""
		events = scenarios.map_events([*self.before, *self.after])
		recorded = lambda moment: moment.replace(tzinfo=timezone.utc).timestamp()  # noqa: E731
		start = recorded(events[0].time)
		end = recorded(next(e.time for e in events if e.event == EventType.ENDED))
		answers = [recorded(e.time) for e in events if e.event == EventType.ANSWERED]
		answered = answers[0] if answers else end
		ring_scale = RING_SECONDS / max(answered - start, 0.001)
		talk_scale = TALK_SECONDS / max(end - answered, 0.001)
		plan_start = self.plan.start.timestamp()

		def stretched(seconds: float) -> float:
			if seconds <= answered:
				return plan_start + (seconds - start) * ring_scale
			return plan_start + RING_SECONDS + (seconds - answered) * talk_scale

		for message in (*self.before, *self.after):
			if "Timestamp" in message:
				message["Timestamp"] = f"{stretched(float(message['Timestamp'])):.6f}"


class SyncedConnector(AsteriskConnector):
	"""The connector, noting the last sync event it has handled (and so everything sent before it)."""

	synced = 0

	async def handle(self, message):
		await super().handle(message)
		if message.get("Event") == "UserEvent" and message.get("UserEvent") == SYNC:
			self.synced = int(message["Sync"])


class AsteriskKit(ProviderKit):
	provider_type = "Asterisk AMI"
	unsupported = {
		Scenario.OUT_OF_ORDER: "AMI is one TCP stream from the PBX, in the order the PBX raised the events",
		Scenario.FORGED: "the app opens the AMI session and logs in to the PBX; nobody can send it events",
	}

	def __init__(self):
		self.pbx = KitPbx(USERNAME, SECRET)
		self.server: ServerThread | None = None
		self.connector: ConnectorThread | None = None
		self.syncs = 0

	def settings(self) -> dict:
		self.server = ServerThread(self.pbx).__enter__()
		return {
			"ami_host": "127.0.0.1",
			"ami_port": self.server.port,
			"ami_username": USERNAME,
			"ami_secret": SECRET,
			"agent_channel_template": scenarios.AGENT_CHANNELS,
			"recording_url_template": scenarios.RECORDINGS,
			"originate_context": "from-internal",
		}

	def traffic(self, scenario: Scenario, plan: CallPlan) -> list[dict]:
		call = RecordedCall(scenario, plan)
		plan.extra["after"] = call.after
		if scenario == Scenario.DUPLICATES:
			return [event for event in call.before for _twice in range(2)]
		return call.before if scenario == Scenario.REJECTED else [*call.before, *call.after]

	def aftermath(self, scenario: Scenario, plan: CallPlan) -> list[dict]:
		return plan.extra["after"]

	def deliver(self, case, provider, traffic: list[dict]) -> list[int]:
		"""Send the events down the connector's session; once it has handled them all, 200 for each."""
		if self.connector is None:
			self.connector = ConnectorThread(provider.name, connector_class=SyncedConnector).__enter__()
		self.syncs += 1
		sync = {"Event": "UserEvent", "UserEvent": SYNC, "Sync": str(self.syncs)}
		self._wait_for_connector(lambda connector: connector.client and connector.client.logged_in)
		self.server.call(self.pbx.send, [*traffic, {**sync, "Timestamp": _timestamp(traffic)}])
		self._wait_for_connector(lambda connector: connector.synced >= self.syncs)
		return [200] * len(traffic)

	def _wait_for_connector(self, condition) -> None:
		deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
		while not (self.connector.connector and condition(self.connector.connector)):
			if time.monotonic() > deadline:
				raise AssertionError("the AMI connector did not take the kit's events")
			time.sleep(0.05)

	@contextlib.contextmanager
	def command_api(self, case, provider):
		seen = len(self.pbx.commands)
		yield lambda: _commands(self.pbx.commands[seen:])

	def close(self) -> None:
		for thread in (self.connector, self.server):
			if thread:
				thread.__exit__(None, None, None)


def _timestamp(traffic: list[dict]) -> str:
	stamps = [float(event["Timestamp"]) for event in traffic if "Timestamp" in event]
	return f"{max(stamps, default=0):.6f}"


def _commands(actions: list[dict]) -> list[dict]:
	"""The actions as the kit's commands: an Originate places a call, the Hangups of one call's
	channels (one per channel) end it."""
	channels = scenarios.mapper().config.channels
	commands = []
	for action in actions:
		if action["Action"] == "Originate":
			extension = channels.extension_of(action["Channel"])
			commands.append({"action": "originate", "extension": extension, "number": action["Exten"]})
		elif not (commands and commands[-1]["action"] == "hangup"):
			commands.append({"action": "hangup", "channel": action["Channel"]})
	return commands


class TestAsteriskConformance(ConformanceTests, FrappeTestCase):
	kit = AsteriskKit()
