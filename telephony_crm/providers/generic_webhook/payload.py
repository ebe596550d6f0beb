"""Reading and checking the Generic Webhook's fields; every refusal names the field and what is wrong."""

from datetime import datetime
from urllib.parse import urlparse

from frappe import _

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.calls.times import from_unix_seconds, site_now, to_site_time
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
MAX_ID_LENGTH = 140
MAX_NUMBER_LENGTH = 64
MAX_URL_LENGTH = 2000


def parse_payload(payload: dict, provider: str) -> CallEvent:
	event = _choice(payload, "event", {e.value: e for e in EventType}, required=True)
	status = _choice(payload, "status", END_STATUSES) if event == EventType.ENDED else None
	return CallEvent(
		provider=provider,
		call_id=_text(payload, "call_id", MAX_ID_LENGTH, required=True),
		event=event,
		time=_timestamp(payload),
		direction=_choice(payload, "direction", DIRECTIONS),
		caller_number=_text(payload, "from", MAX_NUMBER_LENGTH),
		called_number=_text(payload, "to", MAX_NUMBER_LENGTH),
		extension=_text(payload, "extension", MAX_NUMBER_LENGTH),
		end_status=status,
		duration=_duration(payload),
		recording_url=_recording_url(payload),
		raw_status=_text(payload, "status", MAX_NUMBER_LENGTH),
	)


def _text(payload: dict, field: str, max_length: int, required: bool = False) -> str | None:
	value = payload.get(field)
	if value is None or value == "":
		if required:
			raise WebhookRefused(422, _("{0} is required").format(field), field)
		return None
	if isinstance(value, bool) or not isinstance(value, str | int):
		raise WebhookRefused(422, _("{0} must be a string").format(field), field)
	value = str(value).strip()
	if len(value) > max_length:
		raise WebhookRefused(422, _("{0} is longer than {1} characters").format(field, max_length), field)
	return value or None


def _choice(payload: dict, field: str, choices: dict, required: bool = False):
	value = _text(payload, field, MAX_NUMBER_LENGTH, required)
	if value is None:
		return None
	try:
		return choices[value.lower()]
	except KeyError:
		raise WebhookRefused(
			422, _("{0} must be one of: {1} (got {2!r})").format(field, ", ".join(choices), value), field
		)


def _timestamp(payload: dict) -> datetime:
	value = payload.get("timestamp")
	if value in (None, ""):
		return site_now()
	if isinstance(value, int | float) and not isinstance(value, bool):
		return from_unix_seconds(value)
	if isinstance(value, str):
		try:
			return from_unix_seconds(float(value))
		except ValueError:
			pass
		try:
			moment = datetime.fromisoformat(value.strip())
		except ValueError:
			moment = None
		if moment and moment.tzinfo:
			return to_site_time(moment)
	raise WebhookRefused(
		422,
		_("timestamp must be ISO 8601 with a UTC offset (2026-01-31T12:00:00+03:00) or Unix seconds"),
		"timestamp",
	)


def _duration(payload: dict) -> int | None:
	value = payload.get("duration")
	if value in (None, ""):
		return None
	try:
		seconds = float(value)
	except (TypeError, ValueError):
		seconds = -1
	if isinstance(value, bool) or not 0 <= seconds < 10**7:
		raise WebhookRefused(422, _("duration must be a number of seconds, 0 or more"), "duration")
	return round(seconds)


def _recording_url(payload: dict) -> str | None:
	url = _text(payload, "recording_url", MAX_URL_LENGTH)
	if url and (urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc):
		raise WebhookRefused(422, _("recording_url must be an http or https URL"), "recording_url")
	return url
