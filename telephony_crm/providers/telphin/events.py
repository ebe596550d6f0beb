"""Telphin's extension events (form fields, all strings) as the engine's call events.

Telphin reports each leg of a call (SubCallID) on the extension it concerns, all legs under the call's
CallID. The engine folds every event of a call into its state, and the first ENDED event by time decides
how the call ended; so only the end of the whole call becomes ENDED, and the end of one leg while
another goes on (a transfer, the other phones of a group, a queue's next try) is kept as history:

| Telphin | event |
|---|---|
| `dial-in` | RINGING at the called extension (`1234*101@sipproxy...` -> `101`) |
| `dial-out` | RINGING at the calling extension; at the target for a transfer's leg (`Transfered=yes`) |
| `answer` | ANSWERED at the leg's extension |
| `hangup` with `Bridged=no` (queue, IVR) | ENDED: Missed |
| `hangup` of the call's last leg: no other leg goes on or hung up later | ENDED: ANSWER (or `Bridged=yes`) Completed, BUSY Busy, CONGESTION or CHANUNAVAIL of an outgoing leg Failed, any other the engine's reading (Missed inbound, No Answer outbound); Rejected after a hang-up from the desk |
| `hangup` of a leg while others go on | RINGING at the leg's extension, `hangup <status> (one leg...)` in the history |
| `message-in`, `message-out`, `voicemail` | nothing (no call) |

Direction: Outbound for a call the callback API placed (`CallBackID`); from `CallFlow` (any case)
otherwise, Internal when both sides are extensions. The client's number is `RemoteNumber` after an
internal transfer, else `CallerIDNum` (inbound) or `CalledNumber` (outbound). `RecID` on a hangup is
the call's `recording_id`. `EventTime` is in microseconds.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from frappe import _

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.calls.times import from_unix_seconds, site_now
from telephony_crm.calls.validation import MAX_NUMBER_LENGTH, MAX_TEXT_LENGTH, check_time, clean_text
from telephony_crm.providers.base import WebhookRefused
from telephony_crm.providers.telphin import registry

RINGING_EVENTS = {"dial-in", "dial-out"}
CALL_EVENTS = {*RINGING_EVENTS, "answer", "hangup"}
NOT_CALLS = {"message-in", "message-out", "voicemail"}
FLOWS = ("in", "out")
YES_NO = {"yes": True, "no": False}
FAILED_OUTGOING = {"CONGESTION", "CHANUNAVAIL"}
ID_PATTERN = re.compile(r"^[A-Za-z0-9._:@-]+$")
_WORD = re.compile(r"^[A-Za-z_-]+$")
_DIGITS = re.compile(r"^\d{1,20}$")


@dataclass(frozen=True)
class TelphinEvent:
	"""The fields of one event, checked."""

	event_type: str
	call_id: str
	sub_call_id: str
	time: datetime
	seconds: float  # EventTime as Unix seconds, to order the legs' hangups
	flow: str
	status: str | None = None
	call_api_id: str | None = None
	callback_id: str | None = None
	caller_id_num: str | None = None
	caller_extension: str | None = None
	caller_extension_id: str | None = None
	called_number: str | None = None
	called_did: str | None = None
	called_extension: str | None = None
	called_extension_id: str | None = None
	remote_number: str | None = None
	bridged: bool | None = None
	transferred: bool = False
	rec_id: str | None = None

	@property
	def outgoing(self) -> bool:
		return self.flow == "out"

	@property
	def extension(self) -> str | None:
		"""Whom the leg concerns: the extension called, the one calling out, a transfer's target."""
		if self.transferred or not self.outgoing:
			return short_extension(self.called_extension or self.called_number)
		return short_extension(self.caller_extension or self.caller_id_num)

	@property
	def leg(self) -> registry.Leg:
		# A leg is controlled through the extension whose events report it.
		return registry.Leg(
			self.sub_call_id,
			self.caller_extension_id if self.outgoing else self.called_extension_id,
			self.call_api_id,
			self.seconds if self.event_type == "hangup" else None,
		)

	@property
	def direction(self) -> Direction | None:
		if self.callback_id:
			return Direction.OUTBOUND
		if self.transferred:
			return None  # a leg of a call whose direction its first leg says
		if self.outgoing:
			return (
				Direction.INTERNAL
				if _is_extension_name(self.called_number, self.called_extension)
				else Direction.OUTBOUND
			)
		if self.remote_number or not _is_extension_name(self.caller_id_num, self.caller_extension):
			return Direction.INBOUND
		return Direction.INTERNAL

	@property
	def caller_number(self) -> str | None:
		if self.outgoing:
			return short_extension(self.caller_extension or self.caller_id_num)
		return self.remote_number or self.caller_id_num

	@property
	def other_number(self) -> str | None:
		if self.outgoing:
			return self.called_number
		return self.called_did or short_extension(self.called_number)


def short_extension(name: str | None) -> str | None:
	"""`1234*101@sipproxy.telphin.ru` -> `101`: the part after `*` and before `@`."""
	if not name:
		return None
	return name.split("@", 1)[0].rsplit("*", 1)[-1] or None


def _is_extension_name(number: str | None, extension: str | None) -> bool:
	return bool(extension) or "*" in (number or "")


def call_events(provider: str, form) -> list[CallEvent]:
	"""The engine's events for one Telphin event (none for a message or voicemail)."""
	event = read_event(form)
	if event is None:
		return []
	call_id = _app_call_id(provider, event)
	legs = registry.record_leg(provider, call_id, event.leg)
	kind, end_status, note = _outcome(provider, call_id, event, legs)
	return [
		CallEvent(
			provider=provider,
			call_id=call_id,
			event=kind,
			time=event.time,
			direction=event.direction,
			caller_number=event.caller_number,
			called_number=event.other_number,
			extension=event.extension,
			end_status=end_status,
			recording_id=event.rec_id,
			raw_status=_history(event, note),
		)
	]


def _app_call_id(provider: str, event: TelphinEvent) -> str:
	"""The id the app keeps the call under: for a call placed from the desk, the callback's call_id."""
	placed = registry.app_call_id(provider, event.call_id, event.callback_id)
	if not placed:
		return event.call_id
	# Later events of the call may come without the CallBackID.
	registry.remember_alias(provider, event.call_id, placed)
	return placed


def _outcome(provider: str, call_id: str, event: TelphinEvent, legs: list[registry.Leg]):
	"""(event type, end status, note for the history)."""
	if event.event_type in RINGING_EVENTS:
		return EventType.RINGING, None, None
	if event.event_type == "answer":
		return EventType.ANSWERED, None, None
	if event.bridged is False:
		return EventType.ENDED, CallStatus.MISSED, None
	others = [leg for leg in legs if leg.sub_call_id != event.sub_call_id]
	if any(leg.live or leg.hung_up_at > event.seconds for leg in others):
		return EventType.RINGING, None, _("(one leg; the call goes on)")
	return EventType.ENDED, _end_status(provider, call_id, event), None


def _end_status(provider: str, call_id: str, event: TelphinEvent) -> CallStatus | None:
	if event.bridged or event.status == "ANSWER":
		return CallStatus.COMPLETED
	if registry.hung_up_by_app(provider, call_id):
		return CallStatus.REJECTED
	if event.status == "BUSY":
		return CallStatus.BUSY
	if event.outgoing and event.status in FAILED_OUTGOING:
		return CallStatus.FAILED
	return None  # NOANSWER, CANCEL: Missed if inbound, No Answer if outbound


def _history(event: TelphinEvent, note: str | None) -> str | None:
	"""Telphin's own words for the call's history: `hangup NOANSWER (one leg; the call goes on)`."""
	bridged = None if event.bridged is None else f"Bridged={'yes' if event.bridged else 'no'}"
	words = (event.event_type, event.status, bridged, "transfer" if event.transferred else None, note)
	return clean_text(" ".join(filter(None, words)))


def read_event(form) -> TelphinEvent | None:
	"""The event's fields, each checked; WebhookRefused(422) naming the field that is wrong."""
	event_type = _word(form, "EventType", required=True).lower()
	if event_type in NOT_CALLS:
		return None
	if event_type not in CALL_EVENTS:
		raise WebhookRefused(
			422,
			_("EventType must be one of: {0} (got {1})").format(
				", ".join(sorted(CALL_EVENTS | NOT_CALLS)), clean_text(event_type, 40)
			),
			"EventType",
		)
	seconds = _event_seconds(form)
	return TelphinEvent(
		event_type=event_type,
		call_id=_id(form, "CallID", required=True),
		sub_call_id=_id(form, "SubCallID", required=True),
		time=_event_time(seconds),
		seconds=seconds,
		flow=_flow(form, event_type),
		status=(_word(form, "CallStatus") or "").upper() or None,
		call_api_id=_id(form, "CallAPIID"),
		callback_id=_id(form, "CallBackID"),
		caller_id_num=_number(form, "CallerIDNum"),
		caller_extension=_number(form, "CallerExtension"),
		caller_extension_id=_id(form, "CallerExtensionID"),
		called_number=_number(form, "CalledNumber"),
		called_did=_number(form, "CalledDID"),
		called_extension=_number(form, "CalledExtension"),
		called_extension_id=_id(form, "CalledExtensionID"),
		remote_number=_number(form, "RemoteNumber"),
		bridged=_yes_no(form, "Bridged"),
		transferred=bool(_yes_no(form, "Transfered")),
		rec_id=_id(form, "RecID"),
	)


def _text(form, field: str, max_length: int = MAX_TEXT_LENGTH, required: bool = False) -> str | None:
	value = (form.get(field) or "").strip()
	if not value:
		if required:
			raise WebhookRefused(422, _("{0} is required").format(field), field)
		return None
	if len(value) > max_length:
		raise WebhookRefused(422, _("{0} is longer than {1} characters").format(field, max_length), field)
	return value


def _matching(form, field: str, pattern: re.Pattern, what: str, required: bool = False) -> str | None:
	value = _text(form, field, required=required)
	if value and not pattern.match(value):
		raise WebhookRefused(422, _("{0} must be {1}").format(field, what), field)
	return value


def _id(form, field: str, required: bool = False) -> str | None:
	return _matching(form, field, ID_PATTERN, _("letters, digits and . _ : @ -"), required)


def _word(form, field: str, required: bool = False) -> str | None:
	return _matching(form, field, _WORD, _("a word of letters, _ and -"), required)


def _number(form, field: str) -> str | None:
	# What a number may hold is the engine's to clean (CallEvent); here only its length.
	return _text(form, field, MAX_NUMBER_LENGTH + len("@sipproxy.telphin.ru"))


def _yes_no(form, field: str) -> bool | None:
	value = _word(form, field)
	if value is None:
		return None
	if value.lower() not in YES_NO:
		raise WebhookRefused(422, _("{0} must be yes or no").format(field), field)
	return YES_NO[value.lower()]


def _flow(form, event_type: str) -> str:
	flow = (_word(form, "CallFlow") or "").lower()
	if not flow and event_type in RINGING_EVENTS:
		flow = "in" if event_type == "dial-in" else "out"
	if flow not in FLOWS:
		raise WebhookRefused(422, _("CallFlow must be in or out"), "CallFlow")
	return flow


def _event_seconds(form) -> float:
	value = _matching(form, "EventTime", _DIGITS, _("microseconds since 1970 (digits)"), required=True)
	return int(value) / 1_000_000


def _event_time(seconds: float) -> datetime:
	try:
		moment = from_unix_seconds(seconds)
	except ValueError:
		raise WebhookRefused(422, _("EventTime is no time a clock shows"), "EventTime")
	check_time(moment, site_now(), "EventTime")
	return moment
