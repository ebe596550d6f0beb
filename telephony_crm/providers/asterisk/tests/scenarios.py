"""Call scenarios on the test PBX (tests/asterisk/extensions.conf), and what each must map to.

Every scenario is one call started by Originate on a session of its own; `play` drives it to its end and
returns the session's events. The same code drives the real Asterisk (recording fixtures) and the
replaying server, and the same expectations judge both.
"""

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.providers.asterisk import actions
from telephony_crm.providers.asterisk.channels import ChannelTemplate
from telephony_crm.providers.asterisk.mapper import CallMapper, MapperConfig
from telephony_crm.providers.asterisk.protocol import AmiClient, AmiConnectionError, Message
from telephony_crm.providers.base import OriginateRequest

PROVIDER = "Test Asterisk"
AGENT_CHANNELS = "Local/{extension}@phones"
EXTENSIONS = frozenset({"101", "102", "150", "190", "191", "192"})
RECORDINGS = "https://pbx.example.com/recordings/{filename}"
CALLER = "0677777777"
SCENARIO_SECONDS = 60
# Withheld or odd caller numbers, as CallerIDNum -> the caller number of the call.
ODD_CALLERS = {
	"anonymous": "anonymous",
	"Unknown": "Unknown",
	"<unknown>": None,  # Asterisk's word for no number
	"": None,
	"sip:alice@example.com": "sip:alice@example.com",
	"1234567890123456789012345": "1234567890123456789012345",
}


@dataclass(frozen=True)
class Expected:
	direction: Direction
	caller: str | None
	# None when unknown to the test: an agent who never answered their own phone was to dial the
	# number that only OriginateResponse names, and it may come after the call's channels are gone.
	called: str | None
	rung: frozenset[str]
	answered_by: frozenset[str] = frozenset()  # the agent the call ends with (any one of these)
	end_status: CallStatus | None = None  # None: answered, the engine calls it Completed
	recorded: bool = True
	note: str | None = None  # words some event's raw_status must contain


@dataclass(frozen=True)
class Scenario:
	name: str
	originate: dict
	expected: Expected
	# An action (or a coroutine taking the client and call id) to send when an event first matches.
	react: tuple[Callable[[Message], bool], Callable] | None = None
	click_to_call: OriginateRequest | None = None
	doc: str = ""


def inbound(did: str, **variables) -> dict:
	"""A call from the outside world: a connected caller channel sent into `from-trunk`."""
	return {
		"Channel": f"Local/{CALLER}@caller",
		"Context": "from-trunk",
		"Exten": did,
		"Priority": "1",
		"CallerID": CALLER,
		"Variable": _variables({"__RING_SECS": 1, "__TALK_SECS": 3, **variables}),
	}


def inbound_from(caller: str, did: str = "5551000", **variables) -> dict:
	"""An inbound call with exactly `caller` as its CallerIDNum (Originate's CallerID would read a number
	that is not digits as a name)."""
	fields = inbound(did, **variables)
	del fields["CallerID"]
	return {**fields, "Variable": f"{fields['Variable']},CALLERID(num)={caller}"}


def from_extension(extension: str, number: str, **variables) -> dict:
	"""A call an agent places: their phone is taken off hook, then `number` dialled in `from-internal`."""
	return {
		"Channel": f"Local/{extension}@phones",
		"Context": "from-internal",
		"Exten": number,
		"Priority": "1",
		"CallerID": extension,
		"Timeout": "8000",
		"Variable": _variables({"__RING_SECS": 1, "__TALK_SECS": 3, **variables}),
	}


def _variables(values: dict) -> str:
	return ",".join(f"{k}={v}" for k, v in values.items())


def _bridged(extension: str) -> Callable[[Message], bool]:
	return lambda m: (
		m.get("Event") == "BridgeEnter" and m.get("Channel", "").startswith(f"Local/{extension}@phones")
	)


def _ringing(extension: str) -> Callable[[Message], bool]:
	return lambda m: (
		m.get("Event") == "DialBegin" and m.get("DestChannel", "").startswith(f"Local/{extension}@phones")
	)


async def _attended_transfer(client: AmiClient, call_id: str, message: Message) -> None:
	await client.action("Atxfer", {"Channel": message["Channel"], "Context": "transfer", "Exten": "102"})


async def _reject(client: AmiClient, call_id: str, message: Message) -> None:
	await actions.hang_up(client, call_id)


I, O, N = Direction.INBOUND, Direction.OUTBOUND, Direction.INTERNAL

SCENARIOS = [
	Scenario(
		"inbound_answered",
		inbound("5551000"),
		Expected(I, CALLER, "5551000", frozenset({"101"}), frozenset({"101"})),
		doc="straight to extension 101, recorded",
	),
	Scenario(
		"inbound_busy",
		inbound("5551190"),
		Expected(I, CALLER, "5551190", frozenset({"190"}), end_status=CallStatus.BUSY),
	),
	Scenario(
		"inbound_congestion",
		inbound("5551192"),
		Expected(I, CALLER, "5551192", frozenset({"192"}), end_status=CallStatus.FAILED),
	),
	Scenario(
		"inbound_cancelled",
		inbound("5551191", CALLER_SECS=3),
		Expected(I, CALLER, "5551191", frozenset({"191"}), end_status=CallStatus.MISSED),
		doc="the caller hangs up while 191 rings",
	),
	Scenario(
		"inbound_no_answer",
		inbound("5551191"),
		Expected(I, CALLER, "5551191", frozenset({"191"}), end_status=CallStatus.MISSED),
		doc="191 rings until Dial gives up (30 s)",
	),
	Scenario(
		"ring_group_answered",
		inbound("5552000"),
		Expected(I, CALLER, "5552000", frozenset({"101", "102"}), frozenset({"101", "102"})),
		doc="101 and 102 ring, one answers",
	),
	Scenario(
		"ring_group_unanswered",
		inbound("5552001"),
		Expected(
			I, CALLER, "5552001", frozenset({"190", "191"}), end_status=CallStatus.MISSED, recorded=False
		),
		doc="190 is busy, 191 does not answer",
	),
	Scenario(
		"queue_answered",
		inbound("5553000"),
		Expected(I, CALLER, "5553000", frozenset({"101", "102"}), frozenset({"101", "102"})),
		doc="queue support rings 101 and 102, one connects",
	),
	Scenario(
		"queue_abandoned",
		inbound("5553000", CALLER_SECS=3, __RING_SECS=20),
		Expected(I, CALLER, "5553000", frozenset({"101", "102"}), end_status=CallStatus.MISSED),
		doc="the caller gives up while the agents ring",
	),
	Scenario(
		"outbound_answered",
		from_extension("101", "0612345678"),
		Expected(O, "101", "0612345678", frozenset({"101"}), frozenset({"101"})),
	),
	Scenario(
		"outbound_busy",
		from_extension("101", "0999123456"),
		Expected(O, "101", "0999123456", frozenset({"101"}), end_status=CallStatus.BUSY),
	),
	Scenario(
		"outbound_no_answer",
		from_extension("101", "0888123456", __TALK_SECS=40),
		Expected(O, "101", "0888123456", frozenset({"101"}), end_status=CallStatus.NO_ANSWER),
		doc="the far end rings until Dial gives up (30 s)",
	),
	Scenario(
		"internal_answered",
		from_extension("101", "102"),
		Expected(N, "101", "102", frozenset({"102"}), frozenset({"102"}), recorded=False),
	),
	Scenario(
		"click_to_call",
		{},
		Expected(O, "101", "0612345678", frozenset({"101"}), frozenset({"101"})),
		click_to_call=OriginateRequest(call_id="", extension="101", number="0612345678"),
		doc="through actions.originate: the agent's phone rings, then the number is dialled",
	),
	Scenario(
		"click_to_call_agent_busy",
		{},
		Expected(O, "190", None, frozenset(), end_status=CallStatus.BUSY, recorded=False),
		click_to_call=OriginateRequest(call_id="", extension="190", number="0612345678"),
	),
	Scenario(
		"click_to_call_agent_no_answer",
		{},
		Expected(O, "191", None, frozenset(), end_status=CallStatus.NO_ANSWER, recorded=False),
		click_to_call=OriginateRequest(call_id="", extension="191", number="0612345678"),
		doc="the agent's phone rings until Originate gives up (30 s)",
	),
	Scenario(
		"click_to_call_agent_unavailable",
		{},
		Expected(O, "192", None, frozenset(), end_status=CallStatus.FAILED, recorded=False),
		click_to_call=OriginateRequest(call_id="", extension="192", number="0612345678"),
		doc="the agent's line is congested: Originate fails",
	),
	Scenario(
		"blind_transfer",
		inbound("5551150", __TALK_SECS=4),
		Expected(I, CALLER, "5551150", frozenset({"150", "102"}), frozenset({"102"}), note="blind transfer"),
		doc="150 answers, then transfers the caller to 102 with the #1 feature code",
	),
	Scenario(
		"attended_transfer",
		inbound("5551101", __TALK_SECS=6),
		Expected(
			I, CALLER, "5551101", frozenset({"101", "102"}), frozenset({"102"}), note="attended transfer"
		),
		react=(_bridged("101"), _attended_transfer),
		doc="101 answers, consults 102 (Atxfer), and hangs up: the caller stays with 102",
	),
	Scenario(
		"rejected",
		inbound("5551191"),
		Expected(I, CALLER, "5551191", frozenset({"191"}), end_status=CallStatus.REJECTED),
		react=(_ringing("191"), _reject),
		doc="actions.hang_up while 191 rings",
	),
]

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


def new_call_id(scenario: Scenario) -> str:
	return f"{scenario.name}-{secrets.token_hex(4)}"


def mapper() -> CallMapper:
	config = MapperConfig(PROVIDER, ChannelTemplate(AGENT_CHANNELS, EXTENSIONS), RECORDINGS)
	return CallMapper(
		config, lambda seconds: datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
	)


def map_events(messages: list[Message]) -> list[CallEvent]:
	call_mapper = mapper()
	return [event for message in messages for event in call_mapper.feed(message)]


async def play(scenario: Scenario, call_id: str, host: str, port: int, username: str, secret: str):
	"""Run the scenario's call to its end; the events its session received."""
	client = await AmiClient.connect(host, port)
	try:
		await client.login(username, secret)
		if scenario.click_to_call:
			request = replace(scenario.click_to_call, call_id=call_id)
			await actions.originate(client, request, ChannelTemplate(AGENT_CHANNELS), "from-internal")
		else:
			await client.action("Originate", {**scenario.originate, "ChannelId": call_id, "Async": "true"})
		return await _follow(client, scenario, call_id)
	finally:
		await client.close()


async def _follow(client: AmiClient, scenario: Scenario, call_id: str) -> list[Message]:
	"""Collect the session's events until no channel of the call is left."""
	received, live, seen = [], set(), False
	reaction = scenario.react
	deadline = time.monotonic() + SCENARIO_SECONDS
	while time.monotonic() < deadline:
		try:
			message = await asyncio.wait_for(client.next_event(), deadline - time.monotonic())
		except (asyncio.TimeoutError, AmiConnectionError):
			break
		received.append(message)
		if message.get("Linkedid") == call_id and message.get("Event") == "Newchannel":
			live.add(message["Uniqueid"])
			seen = True
		elif message.get("Event") == "Hangup":
			live.discard(message.get("Uniqueid"))
		if reaction and message.get("Linkedid") == call_id and reaction[0](message):
			await reaction[1](client, call_id, message)
			reaction = None
		failed = message.get("Event") == "OriginateResponse" and message.get("Response") == "Failure"
		if (seen and not live) or (failed and not live):
			break
	return [m for m in received if belongs_to_call(m, call_id)]


def belongs_to_call(message: Message, call_id: str) -> bool:
	return any(value == call_id for key, value in message.items() if key.endswith("Linkedid")) or (
		message.get("Event") == "OriginateResponse" and message.get("Uniqueid") == call_id
	)


def check(test, scenario: Scenario, call_id: str, events: list[CallEvent]) -> None:
	"""Assert that `events` are what the scenario's call must produce."""
	expected = scenario.expected
	test.assertTrue(events, f"{scenario.name}: no call events")
	test.assertEqual({e.call_id for e in events}, {call_id}, scenario.name)
	test.assertEqual(
		[e.event for e in events if e.event == EventType.ENDED], [EventType.ENDED], scenario.name
	)
	test.assertEqual(events[-1].event, EventType.ENDED, scenario.name)
	test.assertEqual({e.direction for e in events}, {expected.direction}, scenario.name)
	test.assertEqual(events[0].caller_number, expected.caller, scenario.name)
	if expected.called:
		test.assertEqual(events[0].called_number, expected.called, scenario.name)
	rung = {e.extension for e in events if e.event == EventType.RINGING and e.extension}
	test.assertEqual(rung, set(expected.rung), scenario.name)
	answers = [e.extension for e in events if e.event == EventType.ANSWERED]
	if expected.answered_by:
		test.assertIn(answers[-1], expected.answered_by, scenario.name)
	else:
		test.assertEqual(answers, [], scenario.name)
	test.assertEqual(events[-1].end_status, expected.end_status, scenario.name)
	recording = events[-1].recording_url
	if expected.recorded:
		test.assertRegex(recording, rf"^https://pbx\.example\.com/recordings/.*{call_id}\.wav$")
	else:
		test.assertIsNone(recording, scenario.name)
	if expected.note:
		test.assertTrue(any(expected.note in (e.raw_status or "") for e in events), scenario.name)
