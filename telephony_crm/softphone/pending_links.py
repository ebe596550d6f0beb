"""The document a browser line's call was started from, kept until the PBX reports the call.

The browser sends the INVITE, and the PBX reports the call under an id of its own (Asterisk's Linkedid)
that the desk cannot know beforehand. So the document is kept for a minute under the line and the
dialled number, and the engine links the call the PBX reports for them to it (`Placed From`), as it
links a call the server placed."""

import frappe
import redis

from telephony_crm.calls.events import Direction

PENDING_SECONDS = 60


def remember(provider: str, extension: str, dialled: str, reference: tuple[str, str]) -> None:
	frappe.cache.set_value(
		_key(provider, extension, dialled), list(reference), expires_in_sec=PENDING_SECONDS
	)


def placed_from(call) -> tuple[str, str] | None:
	"""For the engine, on a call it records for the first time: the document the line's call to that
	number was started from, if the desk asked for it in the last minute (taken, so only once)."""
	if call.direction != Direction.OUTBOUND.value or not (call.extension and call.called_number):
		return None
	key = _key(call.provider, call.extension, call.called_number)
	try:
		reference = frappe.cache.get_value(key)
		if reference:
			frappe.cache.delete_value(key)
	except redis.exceptions.ConnectionError:
		# Without Redis no call's event may fail: the call is recorded, without the link.
		return None
	return tuple(reference) if reference else None


def _key(provider: str, extension: str, number: str) -> str:
	digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
	return f"telephony_crm:browser_call:{provider}:{extension}:{digits}"
