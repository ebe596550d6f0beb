"""What the engine accepts from outside: every string a provider sends is cleaned or refused here.

Frappe's desk renders Data fields as HTML and the engine's lean writes skip Frappe's sanitizing, so a
call event never carries markup: numbers keep only what a dial string can hold, free text loses the
characters that make markup, and recording URLs must be well-formed http(s) URLs.
"""

import re
import unicodedata
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import frappe
from frappe import _

# A dial string: digits, letters (SIP users, `anonymous`), and the punctuation of numbers and SIP URIs.
DIAL_STRING = re.compile(r"^[0-9A-Za-z+*#@.:;=_\-() ]*$")
_NOT_DIAL_STRING = re.compile(r"[^0-9A-Za-z+*#@.:;=_\-() ]")
MAX_NUMBER_LENGTH = 80  # Asterisk's longest extension
MAX_TEXT_LENGTH = 140
MAX_URL_LENGTH = 2000
# Characters that open or close markup or an HTML attribute.
_MARKUP = re.compile(r"[<>\"'`]")
_URL_FORBIDDEN = re.compile(r"[\s<>\"'`\\{}|^]")
# Events older or newer than this are a PBX's broken clock or a forged timestamp, not a call.
OLDEST_EVENT = timedelta(days=5 * 366)
NEWEST_EVENT = timedelta(days=1)
LONGEST_CALL_SECONDS = 7 * 24 * 3600


class InvalidCallEvent(frappe.ValidationError):
	"""An event the engine will not record as it is; `field` names what is wrong."""

	http_status_code = 422

	def __init__(self, message: str, field: str | None = None):
		super().__init__(message)
		self.field = field


def clean_text(value, max_length: int = MAX_TEXT_LENGTH) -> str | None:
	"""Free text from outside, as plain text: no control characters, no markup, one line, bounded."""
	if value is None:
		return None
	text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in str(value))
	text = " ".join(_MARKUP.sub("", text).split())
	return text[:max_length] or None


def clean_number(value) -> str | None:
	"""A caller or called number as the PBX gave it, less anything a dial string cannot hold."""
	if value is None:
		return None
	return " ".join(_NOT_DIAL_STRING.sub("", str(value)).split())[:MAX_NUMBER_LENGTH] or None


def is_dial_string(value: str) -> bool:
	return len(value) <= MAX_NUMBER_LENGTH and bool(DIAL_STRING.match(value))


def is_recording_url(value: str) -> bool:
	"""An absolute http(s) URL with a host, nothing that could leave an HTML attribute, bounded."""
	if len(value) > MAX_URL_LENGTH or not value.isprintable() or _URL_FORBIDDEN.search(value):
		return False
	try:
		parts = urlsplit(value)
		parts.port  # raises ValueError on a malformed port
	except ValueError:
		return False
	return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_time(moment: datetime, now: datetime, field: str = "timestamp") -> None:
	if not now - OLDEST_EVENT <= moment <= now + NEWEST_EVENT:
		raise InvalidCallEvent(
			_("{0} {1} is outside the accepted window ({2} years back to one day ahead)").format(
				field, moment.isoformat(sep=" "), OLDEST_EVENT.days // 366
			),
			field,
		)


def check_duration(seconds: int | None, field: str = "duration") -> None:
	if seconds is not None and not 0 <= seconds <= LONGEST_CALL_SECONDS:
		raise InvalidCallEvent(
			_("{0} must be between 0 and {1} seconds (got {2})").format(field, LONGEST_CALL_SECONDS, seconds),
			field,
		)
