"""What Exotel's requests mean for a call.

| Exotel | the app |
|---|---|
| StatusCallback `EventType=answered` (a call placed through the API) | ANSWERED at `StartTime` by the agent (`From`) |
| StatusCallback `terminal`, or one without EventType | ENDED at `EndTime`: `Status` the outcome, `ConversationDuration` the talk time, `RecordingUrl` |
| Connect applet's Dial-whom URL (GET, `exotel=dial-whom`) | RINGING at `StartTime`, at the responsible agent the app answers with (routing), if any |
| Passthru (GET, after the flow's Connect applet) | RINGING at `StartTime`; ANSWERED by `DialWhomNumber` when `CallType` is `completed`, `DialCallDuration` before the end; ENDED |

A call placed from the desk carries the app's call id in `CustomField`; Exotel's own `CallSid` names
the others. Times are written `YYYY-MM-DD HH:mm:ss` in the account's time zone (a setting). Exotel
reports no ringing at agents: a call nobody answered has an agent only when the app chose whom to dial.
"""

from datetime import timedelta

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.calls.validation import LONGEST_CALL_SECONDS
from telephony_crm.providers.fields import Fields

DEFAULT_TIME_ZONE = "Asia/Kolkata"
STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
CALL_TYPES = ("completed", "call-attempt", "client-hangup", "incomplete", "voicemail")
STATUS_EVENTS = ("answered", "terminal")


def status_callback_events(provider: str, time_zone: str, fields: Fields) -> list[CallEvent]:
	"""A StatusCallback of a call placed through Exotel's API (the agent `From` first, then `To`)."""
	base = {
		"provider": provider,
		"call_id": fields.text("CustomField") or fields.text("CallSid", required=True),
		"direction": Direction.OUTBOUND,
		"caller_number": fields.number("From"),
		"called_number": fields.number("To"),
		"extension": fields.number("From"),
	}
	kind = fields.choice("EventType", STATUS_EVENTS, required=False) or "terminal"
	if kind == "answered":
		moment = fields.local_time("StartTime", time_zone, False) or fields.local_time(
			"DateUpdated", time_zone
		)
		return [CallEvent(event=EventType.ANSWERED, time=moment, raw_status="answered", **base)]
	status = fields.choice("Status", STATUSES)
	talk = fields.integer("ConversationDuration", maximum=LONGEST_CALL_SECONDS)
	end = CallEvent(
		event=EventType.ENDED,
		time=fields.local_time("EndTime", time_zone, False) or fields.local_time("DateUpdated", time_zone),
		end_status=_outcome(status, Direction.OUTBOUND),
		duration=talk if status == "completed" else 0,
		recording_url=fields.text("RecordingUrl", max_length=1000),
		raw_status=status,
		**base,
	)
	return [end]


def ringing_event(provider: str, time_zone: str, fields: Fields, **extra) -> CallEvent:
	"""An inbound call from `CallFrom` to the ExoPhone, ringing since `StartTime`."""
	return CallEvent(
		provider=provider,
		call_id=fields.text("CallSid", required=True),
		event=EventType.RINGING,
		time=fields.local_time("StartTime", time_zone),
		direction=Direction.INBOUND,
		caller_number=fields.number("CallFrom"),
		called_number=fields.number("CallTo"),
		**extra,
	)


def passthru_events(provider: str, time_zone: str, fields: Fields) -> list[CallEvent]:
	"""The Passthru applet after Connect: the whole inbound call at once."""
	call_type = fields.choice("CallType", CALL_TYPES)
	ringing = ringing_event(provider, time_zone, fields, raw_status=call_type)
	started = ringing.time
	ended = fields.local_time("EndTime", time_zone, False) or fields.local_time("CurrentTime", time_zone)
	agent = fields.number("DialWhomNumber")
	talk = fields.integer("DialCallDuration", maximum=LONGEST_CALL_SECONDS) or 0
	base = {
		"provider": provider,
		"call_id": ringing.call_id,
		"direction": Direction.INBOUND,
		"caller_number": ringing.caller_number,
		"called_number": ringing.called_number,
		"raw_status": call_type,
	}
	answered = call_type == "completed" and agent
	events = [ringing]
	if answered:
		moment = max(started, ended - timedelta(seconds=talk))
		events.append(CallEvent(event=EventType.ANSWERED, time=moment, extension=agent, **base))
	events.append(
		CallEvent(
			event=EventType.ENDED,
			time=ended,
			extension=agent if answered else None,
			end_status=CallStatus.COMPLETED if answered else CallStatus.MISSED,
			duration=talk if answered else 0,
			recording_url=fields.text("RecordingUrl", max_length=1000),
			**base,
		)
	)
	return events


def _outcome(status: str, direction: Direction) -> CallStatus:
	if status == "completed":
		return CallStatus.COMPLETED
	if status == "busy":
		return CallStatus.BUSY
	if status == "failed":
		return CallStatus.FAILED
	return CallStatus.MISSED if direction == Direction.INBOUND else CallStatus.NO_ANSWER
