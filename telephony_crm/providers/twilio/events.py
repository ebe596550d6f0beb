"""What Twilio's requests mean for a call. The app gives Twilio every URL it calls back (its number's
voice URL aside), with `twilio=<kind>`, and the call, direction and extension it concerns:

| request | the app |
|---|---|
| `voice`: the number's voice webhook | RINGING: inbound at no extension; or outbound, when an agent's SIP endpoint or Client dials out through Twilio |
| `leg`: a dialled leg's status callback | `ringing` RINGING at its extension, `in-progress` ANSWERED by it; a leg's end ends nothing |
| `agent`: the agent's leg of a call placed from the desk | `ringing` RINGING at the agent; the agent not answering (`no-answer`, `busy`, `canceled`, `failed`) ENDED |
| `dial`: the `<Dial action>` | ENDED: `DialCallStatus` the outcome, `DialCallDuration` the talk time |
| `recording`: the recording status callback | the call's recording (`RecordingSid`), on an event that changes no state |

Status callbacks carry their `Timestamp`; the other requests are stamped when they first arrive
(providers.arrivals), so a repeated delivery is the same event.
"""

from email.utils import parsedate_to_datetime

from frappe import _

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.calls.times import site_now, to_site_time
from telephony_crm.calls.validation import LONGEST_CALL_SECONDS, check_time
from telephony_crm.providers.arrivals import first_seen
from telephony_crm.providers.fields import Fields

KINDS = ("voice", "leg", "agent", "dial", "recording")
DIRECTIONS = {"in": Direction.INBOUND, "out": Direction.OUTBOUND}
CALL_STATUSES = (
	"queued",
	"initiated",
	"ringing",
	"in-progress",
	"completed",
	"busy",
	"failed",
	"no-answer",
	"canceled",
)
DIAL_STATUSES = ("completed", "answered", "busy", "no-answer", "failed", "canceled")
RECORDING_STATUSES = ("in-progress", "completed", "absent", "failed")
NOT_PICKED_UP = {
	"no-answer": CallStatus.NO_ANSWER,
	"canceled": CallStatus.NO_ANSWER,
	"busy": CallStatus.BUSY,
	"failed": CallStatus.FAILED,
}


def agent_extension(address: str | None) -> str | None:
	"""The extension of an agent's endpoint as SIP Accounts hold it: `101` for sip:101@acme.sip.twilio.com,
	`client:anna` for a Client; None for a phone number."""
	if not address:
		return None
	if address.startswith("sip:"):
		return address.removeprefix("sip:").split("@", 1)[0] or None
	return address if address.startswith("client:") else None


def call_events(provider: str, args: Fields, form: Fields) -> list[CallEvent]:
	kind = args.choice("twilio", KINDS)
	return _READERS[kind](provider, args, form)


def _voice(provider: str, args: Fields, form: Fields) -> list[CallEvent]:
	sid = form.text("CallSid", required=True)
	caller, called = form.number("From"), form.number("To")
	agent = agent_extension(caller)
	base = {
		"provider": provider,
		"call_id": sid,
		"time": first_seen(provider, sid, "voice"),
		"called_number": called,
	}
	if agent:
		return [
			CallEvent(
				event=EventType.RINGING,
				direction=Direction.OUTBOUND,
				caller_number=agent,
				extension=agent,
				**base,
			)
		]
	return [CallEvent(event=EventType.RINGING, direction=Direction.INBOUND, caller_number=caller, **base)]


def _leg(provider: str, args: Fields, form: Fields) -> list[CallEvent]:
	status = form.choice("CallStatus", CALL_STATUSES)
	kind = {"ringing": EventType.RINGING, "in-progress": EventType.ANSWERED}.get(status)
	if not kind:
		return []  # queued, initiated, or the leg's end: the Dial action ends the call
	return [_event(provider, args, form, kind, status)]


def _agent(provider: str, args: Fields, form: Fields) -> list[CallEvent]:
	status = form.choice("CallStatus", CALL_STATUSES)
	if status == "ringing":
		return [_event(provider, args, form, EventType.RINGING, status)]
	if status in NOT_PICKED_UP:
		return [
			_event(
				provider, args, form, EventType.ENDED, status, end_status=NOT_PICKED_UP[status], duration=0
			)
		]
	return []  # picked up: the number is dialled next, and its leg reports


def _dial(provider: str, args: Fields, form: Fields) -> list[CallEvent]:
	status = form.choice("DialCallStatus", DIAL_STATUSES)
	direction = _direction(args)
	talk = form.integer("DialCallDuration", maximum=LONGEST_CALL_SECONDS) or 0
	if status in ("completed", "answered"):
		outcome = CallStatus.COMPLETED
	elif status in ("busy", "failed"):
		outcome, talk = NOT_PICKED_UP[status], 0
	else:
		outcome, talk = (CallStatus.MISSED if direction == Direction.INBOUND else CallStatus.NO_ANSWER), 0
	call_id = _call_id(args, form)
	return [
		CallEvent(
			provider=provider,
			call_id=call_id,
			event=EventType.ENDED,
			time=first_seen(provider, call_id, "dial"),
			direction=direction,
			end_status=outcome,
			duration=talk,
			raw_status=f"dial {status}",
		)
	]


def _recording(provider: str, args: Fields, form: Fields) -> list[CallEvent]:
	if form.choice("RecordingStatus", RECORDING_STATUSES) != "completed":
		return []
	call_id = _call_id(args, form)
	# A RINGING without an extension changes nothing once a call was answered or ended.
	return [
		CallEvent(
			provider=provider,
			call_id=call_id,
			event=EventType.RINGING,
			time=first_seen(provider, call_id, "recording"),
			recording_id=form.text("RecordingSid", required=True),
			raw_status="recording completed",
		)
	]


def _event(provider: str, args: Fields, form: Fields, kind: EventType, status: str, **fields) -> CallEvent:
	"""An event of a leg that rings `ext` (an agent's endpoint, or the number an agent dials)."""
	call_id, extension = _call_id(args, form), args.number("ext")
	if not extension:
		args.refuse("ext", _("{field} is required"))
	return CallEvent(
		provider=provider,
		call_id=call_id,
		event=kind,
		time=_timestamp(form) or first_seen(provider, call_id, kind.value, extension, status),
		direction=_direction(args),
		extension=extension,
		raw_status=status,
		**fields,
	)


def _call_id(args: Fields, form: Fields) -> str:
	"""The app's own id for a call placed from the desk (`call` in the URL), else the parent call's SID."""
	return args.text("call") or form.text("ParentCallSid") or form.text("CallSid", required=True)


def _direction(args: Fields) -> Direction:
	return DIRECTIONS[args.choice("dir", tuple(DIRECTIONS))]


def _timestamp(form: Fields):
	text = form.text("Timestamp")
	if not text:
		return None
	try:
		moment = to_site_time(parsedate_to_datetime(text))
	except (TypeError, ValueError):
		form.refuse("Timestamp", _("{field} must be a time as RFC 2822 writes it"))
	check_time(moment, site_now(), "Timestamp")
	return moment


_READERS = {"voice": _voice, "leg": _leg, "agent": _agent, "dial": _dial, "recording": _recording}
