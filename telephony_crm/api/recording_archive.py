"""Downloading the recordings of many calls at once (the call list's bulk action): a zip built in the
background, offered to the user when it is ready."""

import json

import frappe
from frappe import _

from telephony_crm.recordings.access import RecordingAccessError, may
from telephony_crm.recordings.archive import ARCHIVE_JOB
from telephony_crm.rights.scopes import DOWNLOAD

MAX_CALLS = 500
MAX_NAME_LENGTH = 140
ARCHIVE_TIMEOUT_SECONDS = 2 * 3600


class ArchiveRequestError(frappe.ValidationError):
	http_status_code = 422


@frappe.whitelist(methods=["POST"])
def request_archive(calls: str | list | None = None) -> dict:
	"""Queue a zip of the recordings of `calls` (a JSON list of call names); the user is told, by a
	notification and the `telephony_crm:recordings_archive` event, when it is ready."""
	user = frappe.session.user
	if not may(DOWNLOAD, user):
		raise RecordingAccessError(_("You may not download call recordings"))
	names = _call_names(calls)
	# One archive per user at a time: each may fetch hundreds of recordings.
	job = frappe.enqueue(
		ARCHIVE_JOB,
		queue="long",
		timeout=ARCHIVE_TIMEOUT_SECONDS,
		job_id=f"telephony_crm:recordings_archive:{user}",
		deduplicate=True,
		calls=names,
		user=user,
	)
	if not job:
		return {
			"job_id": None,
			"message": _(
				"An archive of your call recordings is being made already; try again when it is ready"
			),
		}
	return {
		"job_id": job.id,
		"message": _(
			"Zipping the recordings of {0} calls; you will be notified when the archive is ready"
		).format(len(names)),
	}


def _call_names(calls) -> list[str]:
	"""The distinct call names of the request, in its order; ArchiveRequestError for anything else."""
	if isinstance(calls, str):
		try:
			calls = json.loads(calls)
		except ValueError:
			calls = None
	if not isinstance(calls, list) or not all(
		isinstance(name, str) and name.strip() and len(name) <= MAX_NAME_LENGTH for name in calls
	):
		frappe.throw(_("calls must be a JSON list of call names"), ArchiveRequestError)
	names = list(dict.fromkeys(name.strip() for name in calls))
	if not names:
		frappe.throw(_("Select at least one call to download its recording"), ArchiveRequestError)
	if len(names) > MAX_CALLS:
		frappe.throw(
			_("At most {0} calls can be downloaded at a time; {1} were selected").format(
				MAX_CALLS, len(names)
			),
			ArchiveRequestError,
		)
	return names
