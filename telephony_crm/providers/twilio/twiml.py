"""The TwiML the app answers Twilio's voice requests with: whom to dial next, and where Twilio reports
each leg. Every value is escaped (numbers and names come from outside)."""

from xml.sax.saxutils import escape, quoteattr

LEG_EVENTS = "initiated ringing answered completed"


def response(*verbs: str) -> str:
	return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


def dial(
	nouns: list[str],
	action: str | None,
	timeout: int,
	caller_id: str | None = None,
	recording_callback: str | None = None,
) -> str:
	"""<Dial> the nouns at once; recorded from the answer when `recording_callback` is given. Without an
	`action`, Twilio goes on with the next verb when the dial ends (none: the call ends)."""
	attributes = {"action": action} if action else {}
	attributes["timeout"] = str(timeout)
	if caller_id:
		attributes["callerId"] = caller_id
	if recording_callback:
		attributes["record"] = "record-from-answer-dual"
		attributes["recordingStatusCallback"] = recording_callback
	return f"<Dial{_attributes(attributes)}>" + "".join(nouns) + "</Dial>"


def endpoint(address: str, status_callback: str) -> str:
	"""`sip:...`, `client:identity`, or a phone number: the noun that dials it, reporting to `status_callback`."""
	callback = {"statusCallback": status_callback, "statusCallbackEvent": LEG_EVENTS}
	if address.startswith("sip:"):
		return f"<Sip{_attributes(callback)}>{escape(address)}</Sip>"
	if address.startswith("client:"):
		return f"<Client{_attributes(callback)}>{escape(address.removeprefix('client:'))}</Client>"
	return f"<Number{_attributes(callback)}>{escape(address)}</Number>"


def number(phone: str) -> str:
	"""A phone number dialled without reports of its own."""
	return f"<Number>{escape(phone)}</Number>"


def hangup() -> str:
	return "<Hangup/>"


def _attributes(values: dict) -> str:
	return "".join(f" {name}={quoteattr(value)}" for name, value in values.items())
