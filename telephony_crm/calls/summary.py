"""What the desk is told about a call: the popup's state, nothing more."""

import frappe
import redis

from telephony_crm.calls.events import CallStatus
from telephony_crm.masking import call_for_user
from telephony_crm.recordings.state import has_recording

ACTIVE_STATUSES = (CallStatus.RINGING.value, CallStatus.IN_PROGRESS.value)
# A call the desk put on hold is remembered as held for as long as a popup comes back after a reload.
HELD_SECONDS = 24 * 60 * 60

SUMMARY_FIELDS = (
	"name",
	# Which of two states of the call is the later: each event's change sets it.
	"modified",
	"provider",
	# The PBX's id (Asterisk's Linkedid): the browser line finds the call's SIP session by it.
	"call_id",
	"status",
	"direction",
	"external_number",
	# What a masked user sees in its place (telephony_crm.masking).
	"external_number_display",
	"caller_name",
	"customer",
	"contact",
	"lead",
	"extension",
	"agent",
	"answered_by",
	"started_at",
	"answered_at",
	"ended_at",
	"ring_duration",
	"talk_duration",
	"recording_status",
	# The record's version: an open form of the call reloads when it changes.
	"modified",
)


def call_summary(call, user: str | None = None) -> dict:
	"""The call's state for `user`'s popup (the session's), its number as they may see it."""
	return call_for_user(call_state(call), user)


def call_state(call) -> dict:
	"""The call's state for any popup; call_for_user makes it one user's."""
	summary = {field: call.get(field) for field in SUMMARY_FIELDS}
	summary["is_active"] = call.status in ACTIVE_STATUSES
	# Whether the ended call's popup offers a player (the recording itself is fetched with permission).
	summary["has_recording"] = has_recording(call)
	# Which of Transfer and Hold the popup offers: what the call's provider can do to a call in progress.
	summary["call_controls"] = call_controls(call)
	summary["on_hold"] = bool(summary["call_controls"]) and is_on_hold(call.name)
	# The popup's talk timer runs from the server's clock, whatever the agent's clock says.
	summary["server_time"] = frappe.utils.now()
	return frappe._dict(summary)


def call_controls(call) -> list[str]:
	"""The controls (providers.base.CallControl values) the call's provider offers for it now."""
	if call.status != CallStatus.IN_PROGRESS.value:
		return []
	# Imported here: the providers import the engine, which publishes calls through this module.
	from telephony_crm.providers import get_provider
	from telephony_crm.providers.base import WebhookRefused

	try:
		provider = get_provider(call.provider)
	except WebhookRefused:
		return []  # the provider was disabled or removed mid-call: nothing to send commands to
	return sorted(control.value for control in provider.call_controls())


def is_on_hold(call: str) -> bool:
	try:
		return bool(frappe.cache.get(_held_key(call)))
	except redis.exceptions.ConnectionError:
		# Without Redis no call's event may fail: the popup offers Hold, and Resume is still accepted.
		return False


def mark_on_hold(call: str, held: bool) -> None:
	if held:
		frappe.cache.set(_held_key(call), 1, ex=HELD_SECONDS)
	else:
		frappe.cache.delete(_held_key(call))


def _held_key(call: str) -> str:
	return frappe.cache.make_key(f"telephony_crm:on_hold:{call}")
