"""Listening to and downloading a call's recording: through the app, with the call's permissions and
the rights of Telephony Settings → Role Rights. The provider's URL and credentials never reach the browser."""

import frappe
from werkzeug.wrappers import Response

from telephony_crm.recordings import copy
from telephony_crm.recordings.access import checked_call
from telephony_crm.recordings.playback import recording_response
from telephony_crm.recordings.removal import remove_recording
from telephony_crm.recordings.state import PLAYABLE
from telephony_crm.rights.scopes import DELETE_RECORDINGS, DOWNLOAD, LISTEN
from telephony_crm.roles import sees_all_calls


@frappe.whitelist(methods=["GET"])
def stream(call: str, download: int = 0) -> Response:
	"""GET /api/method/telephony_crm.api.recordings.stream?call=CALL-...[&download=1]

	Answers Range requests (206) so players can seek."""
	as_attachment = frappe.utils.cint(download)
	doc = checked_call(call, DOWNLOAD if as_attachment else LISTEN)
	return recording_response(doc, as_attachment=bool(as_attachment))


@frappe.whitelist(methods=["POST"])
def copy_again(call: str) -> None:
	"""Start again a copy to the site that failed (supervisors)."""
	if not sees_all_calls():
		frappe.throw(frappe._("Only supervisors can restart the copy of a recording"), frappe.PermissionError)
	checked_call(call)
	copy.copy_again(call)


@frappe.whitelist(methods=["POST"])
def delete(call: str) -> dict:
	"""Delete the call's recording: the site's copy, and the provider's where the provider can."""
	doc = checked_call(call, DELETE_RECORDINGS)
	if doc.recording_status not in PLAYABLE:
		frappe.throw(frappe._("Call {0} has no recording to delete").format(doc.name))
	freed = remove_recording(doc.name)
	return {"call": doc.name, "freed_bytes": freed}
