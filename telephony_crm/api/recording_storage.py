"""The Telephony Storage page: what recordings take, and deleting those of old calls. System Managers and
supervisors only; deleting also needs the right to delete the recordings of all calls (Role Rights), as it
reaches every call, whoever's it was."""

from datetime import date

import frappe
from frappe import _
from frappe.utils import formatdate, getdate

from telephony_crm.recordings import storage
from telephony_crm.rights.scopes import ALL, DELETE_RECORDINGS, scope
from telephony_crm.roles import SUPERVISOR_ROLE

MANAGER_ROLES = {"System Manager", SUPERVISOR_ROLE}
# One deletion at a time: a second request while it runs is told so.
DELETE_JOB_ID = "telephony_crm:recording_storage_delete"
DELETE_TIMEOUT_SECONDS = 4 * 3600


class StorageDateError(frappe.ValidationError):
	http_status_code = 422


@frappe.whitelist(methods=["GET"])
def report() -> dict:
	_check_manager()
	return storage.storage_report()


@frappe.whitelist(methods=["GET"])
def preview(before: str) -> dict:
	_check_manager()
	return storage.preview_deletion(_past_date(before))


@frappe.whitelist(methods=["POST"])
def delete_older_than(before: str) -> dict:
	"""Queue the removal of the recordings of calls started before `before` (YYYY-MM-DD)."""
	_check_manager()
	if scope(DELETE_RECORDINGS) != ALL:
		frappe.throw(
			_("Deleting old recordings reaches every call: it needs the right to delete all recordings"),
			frappe.PermissionError,
		)
	before_date = _past_date(before)
	job = frappe.enqueue(
		storage.DELETE_JOB,
		queue="long",
		timeout=DELETE_TIMEOUT_SECONDS,
		job_id=DELETE_JOB_ID,
		deduplicate=True,
		before_date=str(before_date),
		user=frappe.session.user,
	)
	if not job:
		return {"job_id": None, "message": _("Recordings are being deleted already; try again when it ends")}
	return {
		"job_id": job.id,
		"message": _("Deleting the recordings of calls older than {0}").format(formatdate(before_date)),
	}


def _check_manager() -> None:
	if frappe.session.user != "Administrator" and not MANAGER_ROLES.intersection(frappe.get_roles()):
		frappe.throw(
			_("Only System Managers and Telephony Supervisors may see and delete recording storage"),
			frappe.PermissionError,
		)


def _past_date(value: str | None) -> date:
	try:
		day = date.fromisoformat(value or "")
	except (TypeError, ValueError):
		frappe.throw(_("The date must be given as YYYY-MM-DD"), StorageDateError)
	if day >= getdate():
		frappe.throw(_("The date must be in the past"), StorageDateError)
	return day
