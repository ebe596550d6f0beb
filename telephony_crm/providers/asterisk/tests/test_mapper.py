"""The mapper on recorded PBX traffic, without sockets or a database."""

import unittest
from datetime import datetime

from telephony_crm.calls.events import CallStatus, Direction, EventType
from telephony_crm.providers.asterisk.channels import ChannelTemplate
from telephony_crm.providers.asterisk.mapper import CallMapper, MapperConfig
from telephony_crm.providers.asterisk.protocol import parse_frame
from telephony_crm.providers.asterisk.tests import scenarios
from telephony_crm.providers.asterisk.tests.ami_server import load_transcript


def recorded_events(name: str) -> tuple[str, list[dict]]:
	"""The call id and the PBX events of a scenario's recording."""
	transcript = load_transcript(name)
	frames = transcript["sessions"][0]["frames"]
	messages = [parse_frame("\r\n".join(f["lines"]).encode()) for f in frames if f["from"] == "pbx"]
	# Answers to the scenario's own list actions (CoreShowChannels) are not part of the event stream.
	events = [
		m for m in messages if "Event" in m and ("ActionID" not in m or m["Event"] == "OriginateResponse")
	]
	return transcript["call_id"], events


class TestRecordedScenarios(unittest.TestCase):
	def test_each_recording_maps_to_its_call(self):
		for scenario in scenarios.SCENARIOS:
			with self.subTest(scenario.name):
				call_id, messages = recorded_events(scenario.name)
				scenarios.check(self, scenario, call_id, scenarios.map_events(messages))

	def test_calls_at_the_same_time_are_told_apart_by_linkedid(self):
		calls, merged = {}, []
		for scenario in scenarios.SCENARIOS:
			call_id, messages = recorded_events(scenario.name)
			calls[call_id] = scenario
			merged += messages
		merged.sort(key=lambda m: float(m["Timestamp"]))
		events = scenarios.map_events(merged)
		for call_id, scenario in calls.items():
			with self.subTest(scenario.name):
				scenarios.check(self, scenario, call_id, [e for e in events if e.call_id == call_id])

	def test_withheld_or_odd_caller_numbers_pass_through(self):
		_, messages = recorded_events("inbound_answered")
		for caller, number in scenarios.ODD_CALLERS.items():
			with self.subTest(caller=caller):
				odd = [
					{**m, "CallerIDNum": caller} if m.get("CallerIDNum") == scenarios.CALLER else m
					for m in messages
				]
				events = scenarios.map_events(odd)
				self.assertEqual({e.caller_number for e in events}, {number})
				self.assertEqual([e.event for e in events][-1], EventType.ENDED)

	def test_events_of_an_ended_call_do_not_start_it_again(self):
		_, messages = recorded_events("inbound_busy")
		events = scenarios.map_events(messages + messages[-3:])
		self.assertEqual([e.event for e in events].count(EventType.ENDED), 1)


def _frame(text: str) -> dict:
	return parse_frame("\r\n".join(line.strip() for line in text.strip().splitlines()).encode())


def pjsip_mapper() -> CallMapper:
	channels = ChannelTemplate("PJSIP/{extension}", frozenset({"101", "102"}))
	return CallMapper(MapperConfig("PBX", channels), datetime.utcfromtimestamp)


class TestPjsipCalls(unittest.TestCase):
	"""Calls as a PBX with SIP phones and a trunk reports them (the examples of the AMI documentation)."""

	def feed(self, mapper, *frames):
		return [event for frame in frames for event in mapper.feed(_frame(frame))]

	def test_outbound_call_dialled_on_the_phone(self):
		events = self.feed(
			pjsip_mapper(),
			"""Event: Newchannel
			Channel: PJSIP/101-00000020
			CallerIDNum: 101
			Exten: 89261112233
			Uniqueid: 1717406000.50
			Linkedid: 1717406000.50
			Timestamp: 1717406000.0""",
			"""Event: Newchannel
			Channel: PJSIP/trunk-00000021
			Uniqueid: 1717406000.51
			Linkedid: 1717406000.50
			Timestamp: 1717406000.1""",
			"""Event: DialBegin
			Channel: PJSIP/101-00000020
			Exten: 89261112233
			Uniqueid: 1717406000.50
			Linkedid: 1717406000.50
			DestChannel: PJSIP/trunk-00000021
			DestUniqueid: 1717406000.51
			DestLinkedid: 1717406000.50
			Timestamp: 1717406000.2""",
			"""Event: DialEnd
			Channel: PJSIP/101-00000020
			Uniqueid: 1717406000.50
			Linkedid: 1717406000.50
			DestChannel: PJSIP/trunk-00000021
			DestUniqueid: 1717406000.51
			DestLinkedid: 1717406000.50
			DialStatus: ANSWER
			Timestamp: 1717406005.0""",
			"""Event: Hangup
			Channel: PJSIP/trunk-00000021
			Uniqueid: 1717406000.51
			Linkedid: 1717406000.50
			Cause-txt: Normal Clearing
			Timestamp: 1717406065.0""",
			"""Event: Hangup
			Channel: PJSIP/101-00000020
			Uniqueid: 1717406000.50
			Linkedid: 1717406000.50
			Cause-txt: Normal Clearing
			Timestamp: 1717406065.1""",
		)
		self.assertEqual([e.event for e in events], [EventType.RINGING, EventType.ANSWERED, EventType.ENDED])
		self.assertEqual({e.direction for e in events}, {Direction.OUTBOUND})
		self.assertEqual((events[0].caller_number, events[0].called_number), ("101", "89261112233"))
		self.assertEqual(events[1].extension, "101")
		self.assertEqual(events[1].time, datetime(2024, 6, 3, 9, 13, 25))

	def test_a_trunk_endpoint_is_not_an_agent(self):
		events = self.feed(
			pjsip_mapper(),
			"""Event: Newchannel
			Channel: PJSIP/trunk-0000001a
			Uniqueid: 1.40
			Linkedid: 1.40""",
			"""Event: DialBegin
			Channel: PJSIP/trunk-0000001a
			CallerIDNum: 79161234567
			Exten: 74951234567
			Uniqueid: 1.40
			Linkedid: 1.40
			DestChannel: PJSIP/102-0000001b
			DestUniqueid: 1.41
			DestLinkedid: 1.40""",
		)
		self.assertEqual(events[0].direction, Direction.INBOUND)
		self.assertEqual((events[0].caller_number, events[0].called_number), ("79161234567", "74951234567"))
		self.assertEqual(events[0].extension, "102")

	def test_an_abandoned_consultation_gives_the_call_back(self):
		mapper = pjsip_mapper()
		dial = """Event: {event}
			Channel: PJSIP/trunk-01
			CallerIDNum: 79161234567
			Exten: 74951234567
			Uniqueid: 1.40
			Linkedid: 1.40
			DestChannel: PJSIP/{extension}-0{n}
			DestUniqueid: 1.4{n}
			DestLinkedid: 1.40
			DialStatus: ANSWER"""
		newchannel = """Event: Newchannel
			Channel: PJSIP/{channel}
			Uniqueid: 1.4{n}
			Linkedid: 1.40"""
		events = self.feed(
			mapper,
			newchannel.format(channel="trunk-01", n=0),
			newchannel.format(channel="101-02", n=2),
			dial.format(event="DialBegin", extension="101", n=2),
			dial.format(event="DialEnd", extension="101", n=2),
			newchannel.format(channel="102-03", n=3),
			dial.format(event="DialBegin", extension="102", n=3),
			dial.format(event="DialEnd", extension="102", n=3),
			"""Event: Hangup
			Channel: PJSIP/102-03
			Uniqueid: 1.43
			Linkedid: 1.40""",
		)
		answers = [(e.extension, e.raw_status) for e in events if e.event == EventType.ANSWERED]
		self.assertEqual(
			answers, [("101", "answered"), ("102", "answered"), ("101", "102 left the call; back with 101")]
		)


class TestReconcile(unittest.TestCase):
	def test_after_a_reconnect_gone_calls_end_and_live_ones_go_on(self):
		gone_id, gone = recorded_events("inbound_answered")
		live_id, live = recorded_events("ring_group_answered")
		mapper = scenarios.mapper()
		answered_at = next(
			i for i, m in enumerate(gone) if m.get("DialStatus") == "ANSWER" and m.get("Channel")
		)
		for message in gone[: answered_at + 1] + live[:10]:
			mapper.feed(message)
		live_channels = [
			{
				"Event": "CoreShowChannel",
				"Channel": m["Channel"],
				"Uniqueid": m["Uniqueid"],
				"Linkedid": live_id,
			}
			for m in live[:10]
			if m.get("Event") == "Newchannel"
		]
		events = mapper.reconcile(live_channels, {gone_id, "lost-while-away"}, float(live[10]["Timestamp"]))
		self.assertEqual(
			{(e.call_id, e.event) for e in events},
			{(gone_id, EventType.ENDED), ("lost-while-away", EventType.ENDED)},
		)
		self.assertIsNone(next(e for e in events if e.call_id == gone_id).end_status)  # answered: Completed
		rest = [e for m in live[10:] for e in mapper.feed(m)]
		self.assertEqual(rest[-1].event, EventType.ENDED)
		self.assertEqual(rest[-1].call_id, live_id)

	def test_calls_up_at_a_reconnect_are_partly_seen(self):
		up_id, up = recorded_events("ring_group_answered")
		later_id, later = recorded_events("inbound_busy")
		mapper = scenarios.mapper()
		live_channels = [
			{"Channel": m["Channel"], "Uniqueid": m["Uniqueid"], "Linkedid": up_id}
			for m in up[:10]
			if m.get("Event") == "Newchannel"
		]
		mapper.reconcile(live_channels, {up_id}, float(up[10]["Timestamp"]))
		events = [e for m in up[10:] + later for e in mapper.feed(m)]
		self.assertEqual([e.call_id for e in events if e.event == EventType.ENDED], [up_id, later_id])
		self.assertEqual((mapper.partly_seen(up_id), mapper.partly_seen(later_id)), (True, False))

	def test_originate_that_fails_before_any_channel_ends_the_call(self):
		mapper = scenarios.mapper()
		events = mapper.feed(
			_frame(
				"""Event: OriginateResponse
				Response: Failure
				Channel: Local/101@phones
				Exten: 0612345678
				Reason: 0
				Uniqueid: CALL-1
				Timestamp: 1795454256.6"""
			)
		)
		self.assertEqual(len(events), 1)
		self.assertEqual(
			(events[0].event, events[0].direction, events[0].end_status, events[0].caller_number),
			(EventType.ENDED, Direction.OUTBOUND, CallStatus.FAILED, "101"),
		)
