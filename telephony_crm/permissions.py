"""Row-level permissions: an agent reaches the calls they took part in and their own lines, a supervisor
everyone's.

Role permissions (DocPerm) decide which actions a role has at all; these hooks narrow them to rows.
Frappe applies them to list and report views, get_list, form loads, REST, export and delete. They decide
from the stored record, never from the values a request brings: a request that sets `agent` to its own
user does not make the call theirs.
"""

import frappe

from telephony_crm.roles import sees_all_calls

CALL_DOCTYPE = "Telephony Call Log"
PARTICIPANT_DOCTYPE = "Telephony Call Participant"


def call_log_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if sees_all_calls(user):
		return ""
	# The engine records the agent and who answered among the participants too: one indexed sub-query.
	return (
		f"`tabTelephony Call Log`.`name` in (select `parent` from `tabTelephony Call Participant`"
		f" where `parenttype` = 'Telephony Call Log' and `user` = {frappe.db.escape(user)})"
	)


def call_log_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if sees_all_calls(user):
		return True
	name = doc.get("name")
	if not name or not frappe.db.exists(CALL_DOCTYPE, name):
		# Calls are created by the call engine alone (without permission checks).
		return False
	if ptype == "delete":
		# Deleting is for the call's own agent (where the role may delete at all), not everyone it rang.
		return user in frappe.db.get_value(CALL_DOCTYPE, name, ["agent", "answered_by"])
	return is_participant(name, user)


def is_participant(call: str, user: str) -> bool:
	return bool(
		frappe.db.exists(PARTICIPANT_DOCTYPE, {"parenttype": CALL_DOCTYPE, "parent": call, "user": user})
	)


def sip_account_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if sees_all_calls(user):
		return ""
	return f"(`tabSIP Account`.`user` = {frappe.db.escape(user)})"


def sip_account_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if sees_all_calls(user):
		return True
	# The stored owner of the line, not the one a request may be trying to give it.
	stored_user = frappe.db.get_value("SIP Account", doc.get("name"), "user") if doc.get("name") else None
	return stored_user == user
