"""Reading and checking the Generic Webhook's fields; every refusal names the field and what is wrong."""

import math
from datetime import datetime

from frappe import _

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.calls.times import from_unix_seconds, site_now, to_site_time
from telephony_crm.calls.validation import (
	LONGEST_CALL_SECONDS,
	MAX_NUMBER_LENGTH,
	MAX_TEXT_LENGTH,
	MAX_URL_LENGTH,
	check_time,
	clean_text,
	is_dial_string,
	is_recording_url,
)
from telephony_crm.providers.base import WebhookRefused

DIRECTIONS = {"inbound": Direction.INBOUND, "outbound": Direction.OUTBOUND, "internal": Direction.INTERNAL}
END_STATUSES = {
	"completed": CallStatus.COMPLETED,
	"missed": CallStatus.MISSED,
	"no_answer": CallStatus.NO_ANSWER,
	"busy": CallStatus.BUSY,
	"failed": CallStatus.FAILED,
	"rejected": CallStatus.REJECTED,
}
# A status on an event other than `ended` says nothing the event does not, but must still be a word
# the contract knows: it is kept in the call's history.
STATUS_WORDS = {**END_STATUSES, "ringing": None, "answered": None, "in_progress": None}


def parse_payload(payload: dict, provider: str) -> CallEvent:
	event = _choice(payload, "event", {e.value: e for e in EventType}, required=True)
	status_word = _text(payload, "status", MAX_TEXT_LENGTH)
	status = _choice(payload, "status", STATUS_WORDS)
	return CallEvent(
		provider=provider,
		call_id=_call_id(payload),
		event=event,
		time=_timestamp(payload),
		direction=_choice(payload, "direction", DIRECTIONS),
		caller_number=_number(payload, "from"),
		called_number=_number(payload, "to"),
		extension=_number(payload, "extension"),
		end_status=status if event == EventType.ENDED else None,
		duration=_duration(payload),
		recording_url=_recording_url(payload),
		raw_status=status_word.lower() if status_word else None,
	)


def _text(payload: dict, field: str, max_length: int, required: bool = False) -> str | None:
	value = payload.get(field)
	if value is None or value == "":
		if required:
			raise WebhookRefused(422, _("{0} is required").format(field), field)
		return None
	if isinstance(value, bool) or not isinstance(value, str | int):
		raise WebhookRefused(422, _("{0} must be a string").format(field), field)
	if isinstance(value, int) and abs(value) >= 10**max_length:
		# Python will not even write such a number out (over 4300 digits): too long anyway.
		raise WebhookRefused(422, _("{0} is longer than {1} characters").format(field, max_length), field)
	value = str(value).strip()
	if len(value) > max_length:
		raise WebhookRefused(422, _("{0} is longer than {1} characters").format(field, max_length), field)
	if required and not value:
		raise WebhookRefused(422, _("{0} is required").format(field), field)
	return value or None


def _call_id(payload: dict) -> str:
	call_id = _text(payload, "call_id", MAX_TEXT_LENGTH, required=True)
	if clean_text(call_id) != call_id:
		raise WebhookRefused(422, _("call_id may not hold control characters, quotes, < or >"), "call_id")
	return call_id


def _number(payload: dict, field: str) -> str | None:
	"""A number as the PBX has it (`+79161234567`, `101`, `anonymous`, `sip:alice@example.com`)."""
	number = _text(payload, field, MAX_NUMBER_LENGTH)
	if number and not is_dial_string(number):
		raise WebhookRefused(
			422,
			_("{0} may hold only digits, letters, spaces and + * # @ . : ; = _ - ( )").format(field),
			field,
		)
	return number


def _choice(payload: dict, field: str, choices: dict, required: bool = False):
	value = _text(payload, field, MAX_TEXT_LENGTH, required)
	if value is None:
		return None
	try:
		return choices[value.lower()]
	except KeyError:
		raise WebhookRefused(
			422,
			_("{0} must be one of: {1} (got {2})").format(field, ", ".join(choices), clean_text(value, 40)),
			field,
		)


def _timestamp(payload: dict) -> datetime:
	value = payload.get("timestamp")
	if value in (None, ""):
		return site_now()
	moment = _read_timestamp(value)
	if moment is None:
		raise WebhookRefused(
			422,
			_("timestamp must be ISO 8601 with a UTC offset (2026-01-31T12:00:00+03:00) or Unix seconds"),
			"timestamp",
		)
	check_time(moment, site_now())
	return moment


def _read_timestamp(value) -> datetime | None:
	if isinstance(value, bool) or not isinstance(value, str | int | float):
		return None
	try:
		return from_unix_seconds(float(value))
	except (ValueError, OverflowError):
		pass
	if not isinstance(value, str):
		return None
	try:
		moment = datetime.fromisoformat(value.strip())
		return to_site_time(moment) if moment.tzinfo else None
	except ValueError:
		return None


def _duration(payload: dict) -> int | None:
	value = payload.get("duration")
	if value in (None, ""):
		return None
	try:
		seconds = float(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else -1
	except (ValueError, OverflowError):
		seconds = -1
	if not (math.isfinite(seconds) and 0 <= seconds <= LONGEST_CALL_SECONDS):
		raise WebhookRefused(
			422,
			_("duration must be a number of seconds from 0 to {0}").format(LONGEST_CALL_SECONDS),
			"duration",
		)
	return round(seconds)


def _recording_url(payload: dict) -> str | None:
	url = _text(payload, "recording_url", MAX_URL_LENGTH)
	if url and not is_recording_url(url):
		raise WebhookRefused(422, _("recording_url must be an http or https URL"), "recording_url")
	return url
