"""Who may hear and download a call's recording: whoever may read the call, if one of their roles has
the right in Telephony Settings → Recording Access. Checked on every endpoint that serves recordings."""

import frappe
from frappe import _

from telephony_crm.roles import AGENT_ROLE, SUPERVISOR_ROLE

LISTEN = "can_listen"
DOWNLOAD = "can_download"
CALL_DOCTYPE = "Telephony Call Log"

# Roles given both rights on install; admins narrow them in Telephony Settings.
DEFAULT_ROLES = (AGENT_ROLE, SUPERVISOR_ROLE, "System Manager")


class RecordingAccessError(frappe.PermissionError):
	pass


def may(right: str, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	roles = set(frappe.get_roles(user))
	settings = frappe.get_cached_doc("Telephony Settings")
	return any(row.role in roles and row.get(right) for row in settings.recording_access)


def checked_call(name: str, right: str = LISTEN):
	"""The call, if the session's user may read it and has `right`; PermissionError otherwise."""
	call = frappe.get_doc(CALL_DOCTYPE, name)
	call.check_permission("read")
	if not may(right):
		message = (
			_("You may not listen to call recordings")
			if right == LISTEN
			else _("You may not download call recordings")
		)
		raise RecordingAccessError(message)
	return call


def set_default_access() -> None:
	"""Install: agents, supervisors and System Managers listen and download (what callers expect)."""
	settings = frappe.get_single("Telephony Settings")
	if settings.recording_access:
		return
	for role in DEFAULT_ROLES:
		settings.append("recording_access", {"role": role, LISTEN: 1, DOWNLOAD: 1})
	settings.flags.ignore_permissions = True
	settings.save()
