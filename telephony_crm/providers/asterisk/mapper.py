"""AMI events to call events, grouped by `Linkedid`, which is the call id.

Pure: no database and no clock of its own, so a recorded AMI stream always maps to the same call events.
A call is reported once it rings an agent, joins a queue, is dialled out by an agent, or was originated;
channels that never get that far (an IVR, the trunk side of a Local channel) report nothing.
"""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.providers.asterisk.channels import ChannelTemplate
from telephony_crm.providers.asterisk.protocol import Message

RECORDING_VARIABLE = "MIXMONITOR_FILENAME"
# Calls remembered as ended, so that their late events (an OriginateResponse after the hangups, or the
# other way round) do not start them again.
ENDED_MEMORY = 10_000
REJECTED_CAUSE = "21"
UNKNOWN = "<unknown>"
LOST_CALL = "no live channel after reconnect"

# Of all the outcomes of an unanswered call's dials, the one that says most about why nobody answered.
_OUTCOME_RANK = {"NOANSWER": 4, "CANCEL": 3, "BUSY": 2, "CONGESTION": 1, "CHANUNAVAIL": 1}
_OUTCOME_STATUS = {"BUSY": CallStatus.BUSY, "CONGESTION": CallStatus.FAILED, "CHANUNAVAIL": CallStatus.FAILED}
# Hangup causes (Q.850) that tell why a channel was not answered, when no DialEnd says it.
_HANGUP_CAUSES = {"17": "BUSY", "18": "NOANSWER", "19": "NOANSWER", "34": "CONGESTION", "38": "CONGESTION"}
# OriginateResponse `Reason` (AST_CONTROL_*) as the dial status it amounts to.
_ORIGINATE_REASONS = {"0": "CHANUNAVAIL", "1": "CANCEL", "3": "NOANSWER", "5": "BUSY", "8": "CONGESTION"}


@dataclass
class MapperConfig:
	provider: str
	channels: ChannelTemplate
	# `{filename}` (the file's name) and `{path}` (as MixMonitor wrote it) are filled in.
	recording_url_template: str | None = None


@dataclass
class _Leg:
	"""One dialled channel of a call: an agent's phone, or the outside number an agent dialled."""

	extension: str | None
	originate: bool = False  # the agent's own phone rung by Originate before the number is dialled
	answered: bool = False
	live: bool = True


@dataclass
class _Call:
	linkedid: str
	channels: set[str] = field(default_factory=set)  # Uniqueids of its live channels
	first_channel: str | None = None
	direction: Direction | None = None
	caller_number: str | None = None
	called_number: str | None = None
	placed_by: str | None = None  # the extension that placed an outbound or internal call
	legs: dict[str, _Leg] = field(default_factory=dict)  # by the dialled channel's Uniqueid
	reported: bool = False
	answered: bool = False
	holder: str | None = None  # the extension the call is with now
	outcome: str | None = None
	abandoned: bool = False
	rejected: bool = False
	transfer: str | None = None  # a blind transfer on its way to the target
	recording_path: str | None = None
	hangup_cause: str | None = None
	# Up when `reconcile` ran: its events while the connector was away (or before it started) were missed.
	partial: bool = False


class CallMapper:
	"""Follows every call of one PBX; `feed` each AMI event, get the call events it completes."""

	def __init__(self, config: MapperConfig, to_time: Callable[[float], datetime]):
		self.config = config
		self._to_time = to_time
		self._calls: dict[str, _Call] = {}
		self._channel_calls: dict[str, str] = {}  # Uniqueid -> Linkedid
		self._ended: dict[str, bool] = {}  # ended calls, in order -> whether partly seen
		self._handlers = {
			"Newchannel": self._on_new_channel,
			"DialBegin": self._on_dial_begin,
			"DialEnd": self._on_dial_end,
			"QueueCallerJoin": self._on_queue_join,
			"AgentCalled": self._on_agent_called,
			"AgentConnect": self._on_agent_connect,
			"QueueCallerAbandon": self._on_queue_abandon,
			"BlindTransfer": self._on_blind_transfer,
			"AttendedTransfer": self._on_attended_transfer,
			"VarSet": self._on_var_set,
			"OriginateResponse": self._on_originate_response,
			"Hangup": self._on_hangup,
		}

	def feed(self, message: Message, received_at: float | None = None) -> list[CallEvent]:
		"""The call events `message` brings about (usually none)."""
		calls = _call_ids(message)
		if calls and all(call_id in self._ended for call_id in calls):
			return []
		self._follow_channel(message)
		handler = self._handlers.get(message.get("Event"))
		if not handler:
			return []
		stamp = message.get("Timestamp")
		moment = self._to_time(float(stamp) if _is_number(stamp) else received_at or time.time())
		return handler(message, moment)

	def reconcile(self, live_channels: list[Message], open_call_ids: set[str], now: float) -> list[CallEvent]:
		"""After a reconnect: end the calls whose channels are gone, and follow those still up.

		`live_channels` are the `CoreShowChannel` events of the PBX now; `open_call_ids` the calls the
		site still has ringing or in progress, which may predate this mapper (the connector restarted).
		"""
		moment = self._to_time(now)
		known = set(self._calls)
		live_calls: dict[str, set[str]] = {}
		for channel in live_channels:
			linkedid, uniqueid = channel.get("Linkedid"), channel.get("Uniqueid")
			live_calls.setdefault(linkedid, set()).add(uniqueid)
			if uniqueid == linkedid:
				self._call(linkedid).first_channel = channel.get("Channel")
		events = []
		for linkedid in known - set(live_calls):
			events += self._end(self._calls[linkedid], moment, LOST_CALL)
		for linkedid in open_call_ids - known - set(live_calls):
			events.append(self._orphan_end(linkedid, moment))
		self._channel_calls = {}
		for linkedid, uniqueids in live_calls.items():
			call = self._call(linkedid)
			call.partial = True
			call.channels = uniqueids
			call.reported = call.reported or linkedid in open_call_ids
			self._channel_calls.update(dict.fromkeys(uniqueids, linkedid))
			for uniqueid, leg in call.legs.items():
				leg.live = uniqueid in uniqueids
		return events

	def partly_seen(self, call_id: str) -> bool:
		"""Whether the call was up at a (re)connect, so that this mapper missed some of its events: what it
		says of the call's end may lack what happened meanwhile (the recording, why nobody answered)."""
		call = self._calls.get(call_id)
		return call.partial if call else self._ended.get(call_id, False)

	# Channels

	def _follow_channel(self, message: Message) -> None:
		"""Keep each live channel under its current call; a bridge can move a channel to another call.

		Channels are born by Newchannel (or found by `reconcile`): a late event of one that has hung up
		must not bring it back.
		"""
		uniqueid, linkedid = message.get("Uniqueid"), message.get("Linkedid")
		if not (uniqueid and linkedid) or message.get("Event") == "Hangup":
			return
		previous = self._channel_calls.get(uniqueid)
		if previous == linkedid or (previous is None and message.get("Event") != "Newchannel"):
			return
		if previous in self._calls:
			self._calls[previous].channels.discard(uniqueid)
		self._channel_calls[uniqueid] = linkedid
		self._call(linkedid).channels.add(uniqueid)

	def _on_new_channel(self, message: Message, moment: datetime) -> list[CallEvent]:
		if message.get("Uniqueid") == message.get("Linkedid"):
			self._call(message["Linkedid"]).first_channel = message.get("Channel")
		return []

	def _on_hangup(self, message: Message, moment: datetime) -> list[CallEvent]:
		uniqueid = message.get("Uniqueid")
		linkedid = self._channel_calls.pop(uniqueid, None) or message.get("Linkedid")
		call = self._calls.get(linkedid)
		if not call:
			return []
		call.channels.discard(uniqueid)
		cause = message.get("Cause")
		if cause == REJECTED_CAUSE:
			call.rejected = True
		self._note_outcome(call, _HANGUP_CAUSES.get(cause))
		if uniqueid == linkedid:
			call.hangup_cause = message.get("Cause-txt")
		events = []
		leg = call.legs.get(uniqueid)
		if leg:
			leg.live = False
			if leg.answered and leg.extension == call.holder and call.channels:
				events += self._back_to_remaining_agent(call, moment)
		if not call.channels:
			events += self._end(call, moment, f"hangup: {call.hangup_cause or message.get('Cause-txt')}")
		return events

	# Dials

	def _on_dial_begin(self, message: Message, moment: datetime) -> list[CallEvent]:
		call = self._call(message.get("DestLinkedid") or message.get("Linkedid"))
		dest_id, dest_extension = message.get("DestUniqueid"), self._extension(message.get("DestChannel"))
		if not message.get("Channel"):
			# Originate: the agent's phone rings first; the call is placed when it answers.
			if dest_extension:
				call.placed_by = dest_extension
				call.legs[dest_id] = _Leg(dest_extension, originate=True)
			return []
		placed_by = call.placed_by or self._extension(call.first_channel or message.get("Channel"))
		if dest_extension:
			self._decide(call, placed_by, message, dest_extension)
			return self._ring(call, dest_id, _Leg(dest_extension), moment, "dialling")
		if placed_by:
			self._decide(call, placed_by, message, None)
			return self._ring(call, dest_id, _Leg(None), moment, f"dialling {call.called_number}")
		return []

	def _on_dial_end(self, message: Message, moment: datetime) -> list[CallEvent]:
		call = self._calls.get(message.get("DestLinkedid") or message.get("Linkedid"))
		leg = call and call.legs.get(message.get("DestUniqueid"))
		if not leg:
			return []
		status = message.get("DialStatus")
		if status != "ANSWER":
			self._note_outcome(call, status)
			return []
		if leg.originate:
			return []
		return self._answer(call, leg, moment, call.transfer or "answered")

	def _on_originate_response(self, message: Message, moment: datetime) -> list[CallEvent]:
		if message.get("Response") != "Failure" or not message.get("Uniqueid"):
			return []
		call = self._call(message["Uniqueid"])
		call.placed_by = call.placed_by or self._extension(message.get("Channel"))
		call.called_number = call.called_number or _number(message.get("Exten"))
		self._note_outcome(call, _ORIGINATE_REASONS.get(message.get("Reason"), "CHANUNAVAIL"))
		call.reported = True  # the site created the call before asking for it
		if call.channels:
			return []
		return self._end(call, moment, f"originate failed (reason {message.get('Reason')})")

	# Queues

	def _on_queue_join(self, message: Message, moment: datetime) -> list[CallEvent]:
		call = self._call(message.get("Linkedid"))
		self._decide(call, self._extension(call.first_channel or message.get("Channel")), message, None)
		return [self._event(call, EventType.RINGING, moment, raw_status=f"queue {message.get('Queue')}")]

	def _on_agent_called(self, message: Message, moment: datetime) -> list[CallEvent]:
		call = self._calls.get(message.get("Linkedid"))
		extension = self._extension(message.get("DestChannel")) or self._extension(message.get("Interface"))
		if not (call and extension):
			return []
		return self._ring(call, message.get("DestUniqueid"), _Leg(extension), moment, "queue agent called")

	def _on_agent_connect(self, message: Message, moment: datetime) -> list[CallEvent]:
		call = self._calls.get(message.get("Linkedid"))
		leg = call and call.legs.get(message.get("DestUniqueid"))
		if not leg:
			return []
		return self._answer(call, leg, moment, f"queue {message.get('Queue')} agent connected")

	def _on_queue_abandon(self, message: Message, moment: datetime) -> list[CallEvent]:
		call = self._calls.get(message.get("Linkedid"))
		if call:
			call.abandoned = True
		return []

	# Transfers

	def _on_blind_transfer(self, message: Message, moment: datetime) -> list[CallEvent]:
		call = self._calls.get(message.get("TransfereeLinkedid") or message.get("TransfererLinkedid"))
		if call and message.get("Result") == "Success":
			transferer = self._extension(message.get("TransfererChannel"))
			call.transfer = f"blind transfer from {transferer or 'unknown'} to {message.get('Extension')}"
		return []

	def _on_attended_transfer(self, message: Message, moment: datetime) -> list[CallEvent]:
		call = self._calls.get(message.get("OrigTransfererLinkedid"))
		if not call or message.get("Result") != "Success":
			return []
		transferer = self._extension(message.get("OrigTransfererChannel"))
		target = self._extension(message.get("TransferTargetChannel")) or next(
			(
				leg.extension
				for leg in reversed(call.legs.values())
				if leg.answered and leg.live and leg.extension not in (None, transferer)
			),
			None,
		)
		if not target:
			return []
		call.holder = target
		raw_status = f"attended transfer from {transferer or 'unknown'} to {target}"
		return [self._event(call, EventType.ANSWERED, moment, extension=target, raw_status=raw_status)]

	# Recording

	def _on_var_set(self, message: Message, moment: datetime) -> list[CallEvent]:
		if message.get("Variable") == RECORDING_VARIABLE and message.get("Value") and message.get("Linkedid"):
			self._call(message.get("Linkedid")).recording_path = message["Value"]
		return []

	# Call events

	def _call(self, linkedid: str) -> _Call:
		if linkedid not in self._calls:
			self._calls[linkedid] = _Call(linkedid)
		return self._calls[linkedid]

	def _extension(self, channel: str | None) -> str | None:
		return self.config.channels.extension_of(channel)

	def _decide(self, call: _Call, placed_by: str | None, message: Message, dest_extension: str | None):
		"""Direction and numbers, from the call's first dial: who placed it, and where it goes."""
		if call.direction:
			return
		if placed_by:
			call.placed_by = placed_by
			call.direction = Direction.INTERNAL if dest_extension else Direction.OUTBOUND
			call.caller_number = placed_by
			call.called_number = dest_extension or _number(message.get("Exten"))
		else:
			call.direction = Direction.INBOUND
			call.caller_number = _number(message.get("CallerIDNum"))
			call.called_number = _number(message.get("Exten"))

	def _ring(self, call: _Call, dest_id: str, leg: _Leg, moment: datetime, raw_status: str):
		if dest_id in call.legs:
			return []  # a queue reports the same dial as AgentCalled and DialBegin
		call.legs[dest_id] = leg
		extension = leg.extension or call.placed_by
		return [
			self._event(
				call, EventType.RINGING, moment, extension=extension, raw_status=call.transfer or raw_status
			)
		]

	def _answer(self, call: _Call, leg: _Leg, moment: datetime, raw_status: str) -> list[CallEvent]:
		if leg.answered:
			return []
		leg.answered = call.answered = True
		call.holder = leg.extension or call.placed_by
		call.transfer = None
		return [self._event(call, EventType.ANSWERED, moment, extension=call.holder, raw_status=raw_status)]

	def _back_to_remaining_agent(self, call: _Call, moment: datetime) -> list[CallEvent]:
		"""The agent the call was with has left it (a consultation ended): it is with the one still on it."""
		remaining = [
			leg.extension
			for leg in call.legs.values()
			if leg.answered and leg.live and leg.extension not in (None, call.holder)
		]
		if not remaining:
			return []
		left, call.holder = call.holder, remaining[-1]
		raw_status = f"{left} left the call; back with {call.holder}"
		return [self._event(call, EventType.ANSWERED, moment, extension=call.holder, raw_status=raw_status)]

	def _note_outcome(self, call: _Call, status: str | None) -> None:
		if _OUTCOME_RANK.get(status, 0) > _OUTCOME_RANK.get(call.outcome, 0):
			call.outcome = status

	def _end(self, call: _Call, moment: datetime, raw_status: str) -> list[CallEvent]:
		del self._calls[call.linkedid]
		self._ended[call.linkedid] = call.partial
		if len(self._ended) > ENDED_MEMORY:
			del self._ended[next(iter(self._ended))]
		if not (call.reported or call.legs):
			return []
		if not call.direction and call.placed_by:
			# Originated, and the agent never took their own phone: their call, unplaced.
			call.direction = Direction.OUTBOUND
			call.caller_number = call.placed_by
		return [
			self._event(
				call,
				EventType.ENDED,
				moment,
				end_status=self._end_status(call),
				recording_url=self._recording_url(call.recording_path),
				raw_status=call.outcome if not call.answered and call.outcome else raw_status,
			)
		]

	def _orphan_end(self, call_id: str, moment: datetime) -> CallEvent:
		"""The end of a call the site has open but the PBX no longer knows."""
		return CallEvent(
			provider=self.config.provider,
			call_id=call_id,
			event=EventType.ENDED,
			time=moment,
			raw_status=LOST_CALL,
		)

	def _end_status(self, call: _Call) -> CallStatus | None:
		"""None for an answered call: the engine calls it Completed."""
		if call.answered:
			return None
		if call.abandoned:
			return CallStatus.MISSED
		if call.rejected:
			return CallStatus.REJECTED
		if call.outcome in ("NOANSWER", "CANCEL"):
			return CallStatus.MISSED if call.direction == Direction.INBOUND else CallStatus.NO_ANSWER
		return _OUTCOME_STATUS.get(call.outcome)

	def _recording_url(self, path: str | None) -> str | None:
		template = self.config.recording_url_template
		if not (path and template):
			return None
		return template.format(filename=os.path.basename(path), path=path.lstrip("/"))

	def _event(self, call: _Call, kind: EventType, moment: datetime, **fields) -> CallEvent:
		call.reported = True
		return CallEvent(
			provider=self.config.provider,
			call_id=call.linkedid,
			event=kind,
			time=moment,
			direction=call.direction,
			caller_number=call.caller_number,
			called_number=call.called_number,
			**fields,
		)


def _call_ids(message: Message) -> set[str]:
	ids = {value for key, value in message.items() if key.endswith("Linkedid") and value}
	if message.get("Event") == "OriginateResponse" and message.get("Uniqueid"):
		ids.add(message["Uniqueid"])
	return ids


def _number(value: str | None) -> str | None:
	return value if value and value != UNKNOWN else None


def _is_number(value: str | None) -> bool:
	try:
		float(value)
	except (TypeError, ValueError):
		return False
	return True
