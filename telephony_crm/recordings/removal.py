"""Removing a call's recording: the site's copy, and the provider's where the provider can delete it.
The call stays, its recording *Removed*."""

from dataclasses import dataclass

import frappe
from frappe import _

from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.calls.intake import update_call
from telephony_crm.calls.validation import clean_text
from telephony_crm.providers import get_provider
from telephony_crm.recordings import files
from telephony_crm.recordings.failures import failure_reason
from telephony_crm.recordings.state import ON_SITE, PLAYABLE, REMOVED

BATCH_SIZE = 100


@dataclass
class Removal:
	"""What a run removed: recordings, calls (retention), the bytes freed on the site, what failed."""

	recordings: int = 0
	calls: int = 0
	bytes: int = 0
	failed: int = 0


def remove_recording(call_name: str) -> int:
	"""Remove the call's recording under the call's lock; returns the bytes freed on the site."""
	freed = 0

	def remove(call):
		nonlocal freed
		if call.recording_status not in PLAYABLE:
			return  # removed meanwhile
		call.recording_error = None
		if call.recording_at_provider:
			_delete_at_provider(call)
		if call.recording_status == ON_SITE:
			freed = call.recording_size or 0
		files.remove_file(call.recording_file)
		call.recording_status = REMOVED
		call.recording_file = None
		call.recording_size = 0
		call.recording_attempts = 0
		call.recording_retry_at = None

	update_call(call_name, remove, by_engine=True)
	return freed


def remove_recordings_before(before, progress=None) -> Removal:
	"""Remove the recordings of the calls started before `before`, a batch at a time, calling
	`progress(removal)` after each batch. A call that fails is logged and left for the next run."""
	removal, failed = Removal(), []
	while names := _calls_with_recordings(before, failed):
		for name in names:
			# Each call is committed on its own: update_call commits to read the next call afresh
			# anyway, and a removed file is gone from disk before the commit.
			try:
				removal.bytes += remove_recording(name)
				frappe.db.commit()
				removal.recordings += 1
			except Exception:
				failed.append(name)
				log_failure(name, _("Telephony recording removal"))
		removal.failed = len(failed)
		if progress:
			progress(removal)
	return removal


def log_failure(call_name: str, title: str) -> None:
	frappe.db.rollback()
	frappe.log_error(title=title, reference_doctype=CALL_DOCTYPE, reference_name=call_name)
	frappe.db.commit()


def _calls_with_recordings(before, exclude: list[str]) -> list[str]:
	filters = {"recording_status": ("in", PLAYABLE), "started_at": ("<", before)}
	if exclude:
		filters["name"] = ("not in", exclude)
	return frappe.get_all(CALL_DOCTYPE, filters, pluck="name", order_by="started_at", limit=BATCH_SIZE)


def _delete_at_provider(call) -> None:
	"""Delete it at the provider if the provider can; a failure is noted and the removal goes on."""
	try:
		provider = get_provider(call.provider, enabled_only=False)
		if provider.recording_deletion_refusal():
			return  # the provider keeps it, and the call says so (recording_at_provider)
		provider.delete_recording(call)
	except Exception as error:
		call.recording_error = clean_text(
			_("Removed from the site; deleting it at the provider failed: {0}").format(
				failure_reason(error, _("Telephony recording removal"))
			),
			max_length=1000,
		)
		return
	call.recording_at_provider = 0
