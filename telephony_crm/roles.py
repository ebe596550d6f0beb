"""The app's roles and the questions asked of them."""

import frappe

AGENT_ROLE = "Telephony Agent"
SUPERVISOR_ROLE = "Telephony Supervisor"
# Sees the calls of their department (Telephony Settings → Role Rights says how far each right goes).
DEPARTMENT_HEAD_ROLE = "Telephony Department Head"
TELEPHONY_ROLES = (AGENT_ROLE, DEPARTMENT_HEAD_ROLE, SUPERVISOR_ROLE)
# Reads calls' raw numbers; the app gives it to those who read calls and have no masked role
# (masking/viewers.py), never by hand.
NUMBER_VIEWER_ROLE = "Telephony Number Viewer"

# Roles that see every call and every line, whatever the call's agent.
_ALL_CALLS_ROLES = {SUPERVISOR_ROLE, "System Manager"}


def sees_all_calls(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(_ALL_CALLS_ROLES.intersection(frappe.get_roles(user)))
