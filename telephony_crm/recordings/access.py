"""Who may hear, download and delete a call's recording: whoever may see the call, where their rights
(Telephony Settings → Role Rights) reach it. Checked on every endpoint that serves or deletes recordings."""

import frappe
from frappe import _

from telephony_crm.permissions import reaches
from telephony_crm.rights.scopes import DOWNLOAD, LISTEN, NONE, scope

CALL_DOCTYPE = "Telephony Call Log"


class RecordingAccessError(frappe.PermissionError):
	pass


def may(right: str, user: str | None = None) -> bool:
	"""Whether `right` reaches any call at all for `user` (what the desk offers)."""
	return scope(right, user) != NONE


def checked_call(name: str, right: str = LISTEN):
	"""The call, if the session's user may see it and `right` reaches it; PermissionError otherwise."""
	call = frappe.get_doc(CALL_DOCTYPE, name)
	call.check_permission("read")
	check_reach(call.name, right)
	return call


def check_reach(name: str, right: str, user: str | None = None) -> None:
	if not may(right, user):
		raise RecordingAccessError(_refusal(right))
	if not reaches(name, right, user):
		raise RecordingAccessError(_refusal(right, name))


def _refusal(right: str, call: str | None = None) -> str:
	if right == LISTEN:
		return (
			_("You may not listen to the recording of call {0}").format(call)
			if call
			else _("You may not listen to call recordings")
		)
	if right == DOWNLOAD:
		return (
			_("You may not download the recording of call {0}").format(call)
			if call
			else _("You may not download call recordings")
		)
	return (
		_("You may not delete the recording of call {0}").format(call)
		if call
		else _("You may not delete call recordings")
	)
