"""When a call's recording is to be copied: the engine asks after every change of a call."""

import frappe

from telephony_crm.calls.summary import ACTIVE_STATUSES
from telephony_crm.recordings.state import AT_PROVIDER

COPY_JOB = "telephony_crm.recordings.copy.copy_recording"


def copy_if_due(call) -> None:
	"""Queue the copy of an ended call's new recording, where its provider copies recordings."""
	if (
		call.status not in ACTIVE_STATUSES
		and call.recording_status == AT_PROVIDER
		and not call.recording_attempts
		and provider_copies(call.provider)
	):
		queue_copy(call.name)


def provider_copies(provider: str) -> bool:
	return bool(frappe.get_cached_value("Telephony Provider Settings", provider, "copy_recordings"))


def queue_copy(call_name: str) -> None:
	# After commit: the job must see the call as this transaction leaves it. One job per call at a time.
	frappe.enqueue(
		COPY_JOB,
		queue="long",
		timeout=1800,
		job_id=f"telephony_crm:recording_copy:{call_name}",
		deduplicate=True,
		enqueue_after_commit=True,
		call=call_name,
	)
