"""Row-level permissions: an agent reaches their own calls and lines, a supervisor everyone's.

Role permissions (DocPerm) decide which actions a role has at all; these hooks narrow them to rows.
Frappe applies them to list and report views, get_list/get_all, form loads, REST, export and delete.
"""

import frappe

from telephony_crm.roles import sees_all_calls


def call_log_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if sees_all_calls(user):
		return ""
	escaped = frappe.db.escape(user)
	return (
		f"(`tabTelephony Call Log`.`agent` = {escaped} or `tabTelephony Call Log`.`answered_by` = {escaped})"
	)


def call_log_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if sees_all_calls(user):
		return True
	# Calls are only ever created by the call engine, so "own" means the call's agent or who answered it.
	return user in (doc.get("agent"), doc.get("answered_by"))


def sip_account_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if sees_all_calls(user):
		return ""
	return f"(`tabSIP Account`.`user` = {frappe.db.escape(user)})"


def sip_account_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	return sees_all_calls(user) or doc.get("user") == user
