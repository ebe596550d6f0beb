"""Who reads agents' statuses and their history: supervisors everyone's, agents their own.

Both doctypes have a `user` field; the hooks decide from the stored record."""

import frappe

from telephony_crm.availability.board import supervises_agents


def agent_status_query_conditions(user: str | None = None) -> str:
	return _own_rows("Telephony Agent Status", user)


def status_change_query_conditions(user: str | None = None) -> str:
	return _own_rows("Telephony Agent Status Change", user)


def has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	return supervises_agents(user) or doc.user == user


def _own_rows(doctype: str, user: str | None) -> str:
	user = user or frappe.session.user
	if supervises_agents(user):
		return ""
	return f"`tab{doctype}`.`user` = {frappe.db.escape(user)}"
