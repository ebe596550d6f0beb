"""What Zadarma's call notifications mean for a call.

| Zadarma | the app |
|---|---|
| NOTIFY_START | RINGING, inbound: the caller reached the PBX (no extension yet) |
| NOTIFY_INTERNAL | RINGING at extension `internal` (several for a group; a transfer's target later) |
| NOTIFY_ANSWER | ANSWERED by `internal` |
| NOTIFY_END | ENDED, inbound: `disposition` the outcome, `duration` the talk time, `call_id_with_rec` the recording; answered: also ANSWERED by `internal`, `duration` before |
| NOTIFY_OUT_START | RINGING, outbound from `internal` to `destination` |
| NOTIFY_OUT_END | ENDED, outbound, as NOTIFY_END |
| NOTIFY_RECORD | the call's recording, on an event that changes no state |

Times: Zadarma writes only the call's start (`call_start`, local time of the account's time zone, a
setting). The other events are stamped when they first arrive (providers.arrivals), so a repeated
delivery is the same event and the engine recognises it; the ring time is then measured up to the
answer's arrival.
"""

from datetime import timedelta

from frappe import _

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.calls.validation import LONGEST_CALL_SECONDS
from telephony_crm.providers.arrivals import first_seen
from telephony_crm.providers.fields import Fields
from telephony_crm.providers.zadarma import call_ids

DEFAULT_TIME_ZONE = "Europe/Moscow"
INBOUND_EVENTS = ("NOTIFY_START", "NOTIFY_INTERNAL", "NOTIFY_ANSWER", "NOTIFY_END")
OUTBOUND_EVENTS = ("NOTIFY_OUT_START", "NOTIFY_OUT_END")
CALL_EVENTS = (*INBOUND_EVENTS, *OUTBOUND_EVENTS, "NOTIFY_RECORD")
# Stamped with the call's start; the others when they arrive.
STARTING_EVENTS = ("NOTIFY_START", "NOTIFY_OUT_START")
ENDING_EVENTS = ("NOTIFY_END", "NOTIFY_OUT_END")

ANSWERED = "answered"
# The dispositions of a call nobody talked on, besides the two below: the call could not be made.
BUSY = "busy"
NOT_ANSWERED = ("cancel", "no answer")
FAILED = (
	"failed",
	"no money",
	"unallocated number",
	"no limit",
	"no day limit",
	"line limit",
	"no money, no limit",
)
DISPOSITIONS = (ANSWERED, BUSY, *NOT_ANSWERED, *FAILED)


def call_events(provider: str, time_zone: str | None, form) -> list[CallEvent]:
	fields = Fields(form.to_dict())
	event = fields.choice("event", CALL_EVENTS)
	pbx_call_id = fields.text("pbx_call_id", required=True)
	if event == "NOTIFY_RECORD":
		return [_recording_event(provider, fields, pbx_call_id)]
	outbound = event in OUTBOUND_EVENTS
	direction = Direction.OUTBOUND if outbound else Direction.INBOUND
	extension = fields.number("internal")
	if outbound and not extension:
		fields.refuse("internal", _("{field} is required"))
	external = fields.number("destination" if outbound else "caller_id")
	started = fields.local_time("call_start", time_zone or DEFAULT_TIME_ZONE)
	# A call placed from the desk: recorded under the app's id before Zadarma named it.
	call_id = call_ids.call_id_for(provider, pbx_call_id, (extension, external) if outbound else None)
	moment = started if event in STARTING_EVENTS else first_seen(provider, pbx_call_id, event, extension)
	base = {
		"provider": provider,
		"call_id": call_id,
		"time": moment,
		"direction": direction,
		"caller_number": extension if outbound else external,
		"called_number": external if outbound else fields.number("called_did"),
		"extension": extension,
	}
	if event in ENDING_EVENTS:
		return _end_events(fields, base)
	kind = EventType.ANSWERED if event == "NOTIFY_ANSWER" else EventType.RINGING
	return [CallEvent(event=kind, raw_status=event, **base)]


def _end_events(fields: Fields, base: dict) -> list[CallEvent]:
	"""The call's end; for an answered call, also its answer, `duration` before the end, by `internal`:
	Zadarma reports no answer of an outbound call, and an inbound one's may be lost."""
	disposition = (fields.text("disposition", required=True) or "").lower()
	duration = fields.integer("duration", maximum=LONGEST_CALL_SECONDS) or 0
	status_code = fields.integer("status_code")
	recorded = fields.choice("is_recorded", (0, 1), required=False) == 1
	raw = disposition + (f" (Q.931 {status_code})" if status_code is not None else "")
	end = CallEvent(
		event=EventType.ENDED,
		end_status=_outcome(disposition, duration, base["direction"]),
		duration=duration,
		recording_id=fields.text("call_id_with_rec") if recorded else None,
		raw_status=raw,
		**base,
	)
	if disposition != ANSWERED or not base["extension"]:
		return [end]
	answer = {**base, "time": base["time"] - timedelta(seconds=duration)}
	return [CallEvent(event=EventType.ANSWERED, raw_status=raw, **answer), end]


def _outcome(disposition: str, duration: int, direction: Direction) -> CallStatus:
	if disposition == ANSWERED:
		return CallStatus.COMPLETED
	if disposition == BUSY:
		return CallStatus.BUSY
	if disposition in FAILED:
		return CallStatus.FAILED
	# Not answered, or a word Zadarma has added since (kept in the history): nobody talked.
	return CallStatus.MISSED if direction == Direction.INBOUND else CallStatus.NO_ANSWER


def _recording_event(provider: str, fields: Fields, pbx_call_id: str) -> CallEvent:
	"""A RINGING without an extension changes nothing once a call was answered or ended, and carries
	the recording to the call."""
	return CallEvent(
		provider=provider,
		call_id=call_ids.call_id_for(provider, pbx_call_id),
		event=EventType.RINGING,
		time=first_seen(provider, pbx_call_id, "NOTIFY_RECORD", None),
		recording_id=fields.text("call_id_with_rec", required=True),
		raw_status="recording ready",
	)
