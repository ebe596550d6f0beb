"""The normalized call event: what every provider turns its payloads into."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from telephony_crm.calls.validation import clean_number, clean_text, is_recording_url


class EventType(str, Enum):
	RINGING = "ringing"
	ANSWERED = "answered"
	ENDED = "ended"


class Direction(str, Enum):
	INBOUND = "Inbound"
	OUTBOUND = "Outbound"
	INTERNAL = "Internal"


class CallStatus(str, Enum):
	RINGING = "Ringing"
	IN_PROGRESS = "In Progress"
	COMPLETED = "Completed"
	MISSED = "Missed"
	NO_ANSWER = "No Answer"
	BUSY = "Busy"
	FAILED = "Failed"
	REJECTED = "Rejected"


@dataclass(frozen=True)
class CallEvent:
	"""One thing that happened to one call, as reported by one provider.

	`time` is a naive datetime in the site's time zone. `end_status` and `duration` (talk seconds) only
	mean something on ENDED events; `raw_status` keeps the provider's own word for the history.
	"""

	provider: str
	call_id: str
	event: EventType
	time: datetime
	direction: Direction | None = None
	caller_number: str | None = None
	called_number: str | None = None
	extension: str | None = None
	end_status: CallStatus | None = None
	duration: int | None = None
	recording_url: str | None = None
	# The provider's own reference of a recording its API serves (Telphin's RecID, Mango's recording_id).
	recording_id: str | None = None
	raw_status: str | None = None
	# The document a call placed from the desk was started from (doctype, name).
	reference: tuple[str, str] | None = None

	def __post_init__(self):
		# Whoever built the event (a webhook parser, the AMI mapper, a future provider), what reaches the
		# call record is plain: numbers are dial strings, text has no markup, URLs are http(s).
		for name, clean in _CLEANERS.items():
			object.__setattr__(self, name, clean(getattr(self, name)))
		if self.recording_url and not is_recording_url(self.recording_url):
			object.__setattr__(self, "recording_url", None)

	@property
	def key(self) -> str:
		"""Identifies a repeated delivery of the same event, so that duplicates change nothing."""
		parts = (
			self.event.value,
			self.time.isoformat(),
			self.extension or "",
			self.end_status.value if self.end_status else "",
			"" if self.duration is None else str(self.duration),
			self.recording_url or "",
			self.recording_id or "",
		)
		return hashlib.sha1("|".join(parts).encode()).hexdigest()[:20]


_CLEANERS = {
	"call_id": lambda value: clean_text(value, 140),
	"caller_number": clean_number,
	"called_number": clean_number,
	"extension": clean_number,
	"raw_status": clean_text,
	"recording_id": clean_text,
}
