"""A call's state as a pure function of the events received for it.

Folding the whole history (instead of applying each event to the previous state) is what makes the
result independent of the order and repetition in which a PBX delivers events.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from telephony_crm.caller_id.numbers import is_extension
from telephony_crm.calls.events import CallStatus, Direction, EventType

# Sorting key for events at the same instant: a call rings before it is answered and ends last.
_EVENT_ORDER = {EventType.RINGING: 0, EventType.ANSWERED: 1, EventType.ENDED: 2}


@dataclass
class StoredEvent:
	"""An event as kept in the call's history (the fields the fold needs)."""

	event: EventType
	time: datetime
	direction: str | None = None
	caller_number: str | None = None
	called_number: str | None = None
	extension: str | None = None
	end_status: str | None = None
	duration: int | None = None
	recording_url: str | None = None
	recording_id: str | None = None


@dataclass
class CallState:
	direction: str
	status: str
	caller_number: str | None
	called_number: str | None
	extension: str | None
	answering_extension: str | None
	started_at: datetime
	answered_at: datetime | None
	ended_at: datetime | None
	ring_duration: int
	talk_duration: int
	recording_url: str | None
	recording_id: str | None


def fold(events: list[StoredEvent]) -> CallState:
	"""Derive the call's state from all its events (at least one)."""
	events = sorted(events, key=lambda e: (e.time, _EVENT_ORDER[e.event]))
	answers = [e for e in events if e.event == EventType.ANSWERED]
	ends = [e for e in events if e.event == EventType.ENDED]
	end = ends[0] if ends else None

	caller_number = _first(e.caller_number for e in events)
	called_number = _first(e.called_number for e in events)
	extension = _first(e.extension for e in events)
	# Until an event says which way the call goes (it may come late), its numbers tell.
	direction = _first(e.direction for e in events) or _direction_from_numbers(
		caller_number, called_number, extension
	)
	answered_at = answers[0].time if answers else None
	ended_at = end.time if end else None
	talk_duration = None
	if end and end.duration is not None:
		talk_duration = end.duration
		if answered_at is None and end.duration > 0:
			# The PBX reports talk time without an answer event: the call was answered that long ago.
			answered_at = ended_at - timedelta(seconds=end.duration)
	if talk_duration is None:
		talk_duration = _seconds_between(answered_at, ended_at)

	started_at = events[0].time
	ring_until = answered_at or ended_at
	return CallState(
		direction=direction,
		status=_status(direction, answered_at, end),
		caller_number=caller_number,
		called_number=called_number,
		extension=extension,
		# After a transfer the call is with whoever answered last.
		answering_extension=_first(e.extension for e in reversed(answers)),
		started_at=started_at,
		answered_at=answered_at,
		ended_at=ended_at,
		ring_duration=_seconds_between(started_at, ring_until),
		talk_duration=talk_duration,
		recording_url=_first(e.recording_url for e in reversed(events)),
		recording_id=_first(e.recording_id for e in reversed(events)),
	)


def _direction_from_numbers(caller: str | None, called: str | None, extension: str | None) -> str:
	"""An extension calling is an outbound or internal call; anyone else calling is an inbound one."""

	def is_ours(number: str | None) -> bool:
		return bool(number) and (number == extension or is_extension(number))

	if not is_ours(caller):
		return Direction.INBOUND.value
	return Direction.INTERNAL.value if is_ours(called) else Direction.OUTBOUND.value


def _status(direction: str, answered_at: datetime | None, end: StoredEvent | None) -> str:
	if end is None:
		return CallStatus.IN_PROGRESS.value if answered_at else CallStatus.RINGING.value
	if end.end_status:
		return end.end_status
	if answered_at:
		return CallStatus.COMPLETED.value
	if direction == Direction.OUTBOUND.value:
		return CallStatus.NO_ANSWER.value
	return CallStatus.MISSED.value


def _first(values):
	return next((v for v in values if v), None)


def _seconds_between(start: datetime | None, end: datetime | None) -> int:
	if not (start and end):
		return 0
	return max(0, round((end - start).total_seconds()))
