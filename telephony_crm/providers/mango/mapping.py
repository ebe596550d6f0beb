"""What Mango's events mean for a call: the app's RINGING / ANSWERED / ENDED, from legs and summaries.

Mango reports a conversation (`entry_id`, the call's id) as legs (`call_id`): the caller in the IVR or a
queue, each extension that rings (several for a group), the extension a call is transferred to. A leg's
`Disconnected` ends that leg only: in a group the others ring on, in a transfer the target talks on. So:

| Mango | the app |
|---|---|
| `events/call` Appeared / Connected in the IVR or a queue | RINGING, at no extension (the caller waits) |
| `events/call` Appeared at an extension (`abonent`) | RINGING at that extension |
| `events/call` Connected at an extension | ANSWERED by it (the agent's own leg of a callback: RINGING, the number is being dialled) |
| `events/call` OnHold, Disconnected | nothing: the call goes on, or its summary ends it |
| `events/summary` | RINGING at `create_time`, then ENDED at `end_time` with the outcome and `talk_time` |
| `events/recording` Completed (code 1000) | the call's `recording_id`, on an event that changes no state |

The summary is the one event that ends a call: Mango sends it once for the whole `entry_id`, after
the last leg. Its outcome: `entry_result` 1 with an extension on the answering side is Completed; a call
that never reached an extension (only the IVR or a queue) or was not answered takes its outcome from
`disconnect_reason`, read by its class (1129 as 1120, 2xxx as billing): busy, rejected, failed, or not
answered (Missed inbound, No Answer otherwise).

Order: the engine folds a call's events by time, so the result does not depend on the order they come
in. Mango's `seq` orders events within a second: it is added to the event's time as microseconds, so a
late event with a lower `seq` lands where it belongs in the fold and changes nothing that delivery in
order would not have. Repeated deliveries give the same event, which the engine recognises.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType

MAX_SEQ = 999_999  # microseconds: the order within a second

# disconnect_reason -> outcome of a call that nobody talked on; None: not answered.
OUTCOMES = {
	1000: None,
	1100: None,  # 1100 normal, 1110 ended by the caller, 1111 no answer in time, 1120 ended by the callee
	1121: CallStatus.BUSY,
	1122: CallStatus.REJECTED,
	1123: CallStatus.BUSY,  # do not disturb
	1130: CallStatus.FAILED,  # the callee's number does not work
	1150: CallStatus.REJECTED,  # black or white list
	1160: None,  # group or queue: nobody free, wait timed out
	1170: CallStatus.FAILED,  # routing scheme
	1180: None,
	1181: CallStatus.REJECTED,  # ended by a command of an external system: the desk's Reject
	1190: None,  # inactive, outside the schedule
	2000: CallStatus.FAILED,  # billing
	3000: CallStatus.FAILED,  # the number is wrong
	4000: CallStatus.FAILED,  # the callee cannot be reached
	5000: CallStatus.FAILED,  # Mango's overload or technical failure
}
SUMMARY_DIRECTIONS = {0: Direction.INTERNAL, 1: Direction.INBOUND, 2: Direction.OUTBOUND}
CALL_STATES = ("Appeared", "Connected", "OnHold", "Disconnected")
LOCATIONS = ("ivr", "queue", "abonent")
TALKING_STATES = ("Appeared", "Connected")


@dataclass(frozen=True)
class Party:
	"""`from` or `to` of a Mango event."""

	extension: str | None = None
	number: str | None = None
	line_number: str | None = None
	taken_from_call_id: str | None = None  # set on a leg a transfer made


@dataclass(frozen=True)
class Leg:
	"""An `events/call`: one leg's new state."""

	entry_id: str
	call_id: str
	time: datetime  # with `seq` as microseconds
	seq: int
	state: str
	location: str
	caller: Party
	callee: Party
	disconnect_reason: int | None = None
	command_id: str | None = None

	@property
	def is_callback_agent_leg(self) -> bool:
		"""The first leg of a callback: Mango rings the agent (`to`) from the system (no `from` extension)."""
		return bool(self.command_id and self.callee.extension and not self.caller.extension)


@dataclass(frozen=True)
class Summary:
	"""An `events/summary`: the whole conversation, once it is over."""

	entry_id: str
	direction: Direction
	caller: Party
	callee: Party
	line_number: str | None
	created: datetime
	ended: datetime
	talk_time: int
	talked: bool  # entry_result 1
	disconnect_reason: int | None


def at(moment: datetime, seq: int) -> datetime:
	return moment + timedelta(microseconds=seq)


def leg_event(provider: str, call_id: str, leg: Leg) -> CallEvent | None:
	kind = _leg_event_type(leg)
	if kind is None:
		return None
	direction = _leg_direction(leg)
	caller, called = _leg_numbers(leg, direction)
	return CallEvent(
		provider=provider,
		call_id=call_id,
		event=kind,
		time=leg.time,
		direction=direction,
		caller_number=caller,
		called_number=called,
		extension=(leg.callee.extension or leg.caller.extension) if leg.location == "abonent" else None,
		raw_status=f"{leg.state} ({leg.location})",
	)


def _leg_event_type(leg: Leg) -> EventType | None:
	if leg.state not in TALKING_STATES:
		return None
	if leg.location != "abonent" or leg.state == "Appeared" or leg.is_callback_agent_leg:
		return EventType.RINGING
	return EventType.ANSWERED


def _leg_direction(leg: Leg) -> Direction | None:
	if leg.command_id:
		return Direction.OUTBOUND  # a callback: the agent first, then the number
	if leg.caller.taken_from_call_id:
		return None  # a transfer: the call keeps the direction it began with
	if not leg.caller.extension:
		return Direction.INBOUND
	return Direction.INTERNAL if leg.callee.extension else Direction.OUTBOUND


def _leg_numbers(leg: Leg, direction: Direction | None) -> tuple[str | None, str | None]:
	"""Caller and called number; the DID the call came in on is the number called."""
	if leg.is_callback_agent_leg or direction is None:
		return None, None  # the app recorded the placed call's numbers; a transfer keeps the call's
	if direction == Direction.INBOUND:
		return leg.caller.number, leg.callee.line_number or leg.callee.number
	if direction == Direction.OUTBOUND:
		return leg.caller.extension, leg.callee.number
	return leg.caller.extension, leg.callee.extension


def summary_events(provider: str, call_id: str, summary: Summary) -> list[CallEvent]:
	direction = summary.direction
	# A call that reached no extension (the IVR, a queue) talked to nobody, whatever entry_result says.
	talked = summary.talked and (direction != Direction.INBOUND or bool(summary.callee.extension))
	party = summary.caller if direction == Direction.OUTBOUND else summary.callee
	shared = {
		"provider": provider,
		"call_id": call_id,
		"direction": direction,
		"caller_number": summary.caller.number or summary.caller.extension,
		"called_number": summary.line_number
		if direction == Direction.INBOUND
		else summary.callee.number or summary.callee.extension,
		"extension": party.extension,
	}
	reason = summary.disconnect_reason
	return [
		CallEvent(event=EventType.RINGING, time=summary.created, raw_status="summary: created", **shared),
		CallEvent(
			event=EventType.ENDED,
			time=summary.ended,
			end_status=CallStatus.COMPLETED if talked else outcome(reason, direction),
			duration=summary.talk_time if talked else 0,
			raw_status=f"summary: {'talked' if talked else 'not answered'}, disconnect_reason {reason}",
			**shared,
		),
	]


def outcome(reason: int | None, direction: Direction) -> CallStatus:
	"""How a call nobody talked on ended, from its disconnect_reason or else the reason's class."""
	classes = (
		()
		if reason is None
		else (reason, reason - reason % 10, reason - reason % 100, reason - reason % 1000)
	)
	status = next((OUTCOMES[code] for code in classes if code in OUTCOMES), None)
	if status:
		return status
	return CallStatus.MISSED if direction == Direction.INBOUND else CallStatus.NO_ANSWER


def recording_event(provider: str, call_id: str, recording_id: str, moment: datetime) -> CallEvent:
	"""The engine has no event type for a fact that changes no state: a RINGING without an extension
	changes nothing once a call was answered or ended, and carries the recording to the call."""
	return CallEvent(
		provider=provider,
		call_id=call_id,
		event=EventType.RINGING,
		time=moment,
		recording_id=recording_id,
		raw_status="recording completed",
	)


def failed_callback_event(provider: str, call_id: str, moment: datetime, code: int) -> CallEvent:
	return CallEvent(
		provider=provider,
		call_id=call_id,
		event=EventType.ENDED,
		time=moment,
		end_status=CallStatus.FAILED,
		raw_status=f"callback refused by Mango Office, result {code}",
	)
