"""Retention, daily: the recordings and the calls older than Telephony Settings say are deleted (0 keeps
them). A recording goes at its provider too, where the provider can delete it."""

import frappe
from frappe import _
from frappe.utils import add_days, cint, now_datetime

from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.recordings.removal import (
	BATCH_SIZE,
	Removal,
	log_failure,
	remove_recording,
	remove_recordings_before,
)
from telephony_crm.recordings.state import PLAYABLE
from telephony_crm.recordings.storage import audit, human_size


def apply_retention() -> None:
	recording_days = cint(frappe.db.get_single_value("Telephony Settings", "recording_retention_days"))
	call_days = cint(frappe.db.get_single_value("Telephony Settings", "call_retention_days"))
	# Calls first, so that the recordings of the calls about to go are counted with them.
	calls = _delete_calls_before(_days_ago(call_days)) if call_days > 0 else Removal()
	recordings = remove_recordings_before(_days_ago(recording_days)) if recording_days > 0 else Removal()
	subject = _(
		"Retention removed {0} recordings ({1}) and deleted {2} calls with {3} recordings ({4})"
	).format(
		recordings.recordings,
		human_size(recordings.bytes),
		calls.calls,
		calls.recordings,
		human_size(calls.bytes),
	)
	failed = calls.failed + recordings.failed
	if recordings.recordings or calls.calls or failed:
		subject = audit(subject, "Administrator", failed)
		frappe.db.commit()
	frappe.logger("telephony_crm").info(subject)


def _delete_calls_before(before) -> Removal:
	removal, failed = Removal(), []
	while names := _calls_before(before, failed):
		for name in names:
			try:
				recorded = frappe.db.get_value(CALL_DOCTYPE, name, "recording_status") in PLAYABLE
				if recorded:
					# Through the removal, to delete it at the provider too; on_trash only knows the site.
					removal.bytes += remove_recording(name)
				frappe.delete_doc(CALL_DOCTYPE, name, ignore_permissions=True)
				frappe.db.commit()
			except Exception:
				failed.append(name)
				log_failure(name, _("Telephony call retention"))
				continue
			removal.calls += 1
			removal.recordings += recorded
	removal.failed = len(failed)
	return removal


def _calls_before(before, exclude: list[str]) -> list[str]:
	filters = {"started_at": ("<", before)}
	if exclude:
		filters["name"] = ("not in", exclude)
	return frappe.get_all(CALL_DOCTYPE, filters, pluck="name", order_by="started_at", limit=BATCH_SIZE)


def _days_ago(days: int):
	return add_days(now_datetime(), -days)
