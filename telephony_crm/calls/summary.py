"""What the desk is told about a call: the popup's state, nothing more."""

import frappe

from telephony_crm.calls.events import CallStatus
from telephony_crm.recordings.state import has_recording

ACTIVE_STATUSES = (CallStatus.RINGING.value, CallStatus.IN_PROGRESS.value)

SUMMARY_FIELDS = (
	"name",
	"status",
	"direction",
	"external_number",
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


def call_summary(call) -> dict:
	summary = {field: call.get(field) for field in SUMMARY_FIELDS}
	summary["is_active"] = call.status in ACTIVE_STATUSES
	# Whether the ended call's popup offers a player (the recording itself is fetched with permission).
	summary["has_recording"] = has_recording(call)
	# The popup's talk timer runs from the server's clock, whatever the agent's clock says.
	summary["server_time"] = frappe.utils.now()
	return frappe._dict(summary)
