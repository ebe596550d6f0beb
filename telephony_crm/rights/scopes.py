"""Telephony rights per role (Telephony Settings → Role Rights): for each right, whose calls it reaches.

A user's scope for a right is the widest any of their roles gives; a role without a row has none.
Role Permissions still decide which actions a role has at all (may it delete calls?); these scopes
narrow what it may do to rows (whose calls?).
"""

import frappe

from telephony_crm.roles import AGENT_ROLE, DEPARTMENT_HEAD_ROLE, SUPERVISOR_ROLE

# How far a right reaches, narrowest first.
NONE, OWN, DEPARTMENT, ALL = "None", "Own", "Department", "All"
SCOPES = (NONE, OWN, DEPARTMENT, ALL)

CALLS = "calls"
LISTEN = "listen"
DOWNLOAD = "download"
DELETE_RECORDINGS = "delete_recordings"
DELETE_CALLS = "delete_calls"
CALL_RIGHTS = (CALLS, LISTEN, DOWNLOAD, DELETE_RECORDINGS, DELETE_CALLS)

# Whom a user may call from the desk, narrowest first.
OUTBOUND = "outbound"
NOBODY, CRM_CONTACTS, CRM_AND_COWORKERS, ANY_NUMBER = (
	"Nobody",
	"CRM contacts",
	"CRM contacts and coworkers",
	"Any number",
)
OUTBOUND_SCOPES = (NOBODY, CRM_CONTACTS, CRM_AND_COWORKERS, ANY_NUMBER)

_EVERYTHING = {**dict.fromkeys(CALL_RIGHTS, ALL), OUTBOUND: ANY_NUMBER}
# Given on install; admins change them in Telephony Settings.
DEFAULT_RIGHTS = {
	AGENT_ROLE: {
		CALLS: OWN,
		LISTEN: OWN,
		DOWNLOAD: OWN,
		DELETE_RECORDINGS: NONE,
		DELETE_CALLS: OWN,
		OUTBOUND: ANY_NUMBER,
	},
	DEPARTMENT_HEAD_ROLE: {
		CALLS: DEPARTMENT,
		LISTEN: DEPARTMENT,
		DOWNLOAD: DEPARTMENT,
		DELETE_RECORDINGS: NONE,
		DELETE_CALLS: OWN,
		OUTBOUND: ANY_NUMBER,
	},
	SUPERVISOR_ROLE: _EVERYTHING,
	"System Manager": _EVERYTHING,
}


def scope(right: str, user: str | None = None) -> str:
	"""How far `right` reaches for `user`: one of SCOPES (OUTBOUND_SCOPES for OUTBOUND)."""
	user = user or frappe.session.user
	if user == "Administrator":
		return _EVERYTHING[right]
	order = OUTBOUND_SCOPES if right == OUTBOUND else SCOPES
	roles = set(frappe.get_roles(user))
	given = [row.get(right) for row in _rows() if row.role in roles and row.get(right) in order]
	return max(given, key=order.index, default=order[0])


def _rows():
	return frappe.get_cached_doc("Telephony Settings").get("role_rights") or ()


def set_default_rights(recording_access: dict[str, tuple[bool, bool]] | None = None) -> None:
	"""Install: a row per role of DEFAULT_RIGHTS (for a role missing from the table).

	`recording_access` ({role: (may listen, may download)}) keeps what an older site allowed."""
	settings = frappe.get_single("Telephony Settings")
	present = {row.role for row in settings.role_rights}
	for role, rights in DEFAULT_RIGHTS.items():
		if role in present or not frappe.db.exists("Role", role):
			continue
		row = dict(rights)
		if recording_access and role in recording_access:
			listen, download = recording_access[role]
			row[LISTEN] = row[LISTEN] if listen else NONE
			row[DOWNLOAD] = row[DOWNLOAD] if download else NONE
		settings.append("role_rights", {"role": role, **row})
	settings.flags.ignore_permissions = True
	settings.save()
