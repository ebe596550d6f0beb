"""ToDo's access stays as its own rows say, whatever the number viewer's rows on it.

Frappe gives every ToDo to a user with a role that has a right on ToDo at any level, and otherwise only
the ToDos assigned to or by them (frappe.desk.doctype.todo.todo). The rows the app adds for the
call-back number's level (masking/viewers.py) name NUMBER_VIEWER_ROLE, which must not make its users
read everyone's ToDos: these hooks ask Frappe's question without that role (and leave the answer to
Frappe's own check for users with a ToDo role of theirs).
"""

import frappe
from frappe.permissions import AUTOMATIC_ROLES, get_doctype_roles

from telephony_crm.callbacks.fields import TODO
from telephony_crm.roles import NUMBER_VIEWER_ROLE


def todo_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""permission_query_conditions: a user with no ToDo role of their own lists their ToDos only."""
	user = user or frappe.session.user
	if _has_todo_role(user, "read"):
		return ""
	return "(`tabToDo`.allocated_to = {0} or `tabToDo`.assigned_by = {0})".format(frappe.db.escape(user))


def todo_has_permission(
	doc, ptype: str = "read", user: str | None = None, debug: bool = False
) -> bool | None:
	"""has_permission: the same for one ToDo (None: Frappe's own check decides)."""
	user = user or frappe.session.user
	if _has_todo_role(user, ptype):
		return None
	return user in (doc.allocated_to, doc.assigned_by)


def _has_todo_role(user: str, ptype: str) -> bool:
	roles = set(get_doctype_roles(TODO, ptype)) - set(AUTOMATIC_ROLES) - {NUMBER_VIEWER_ROLE}
	return bool(roles & set(frappe.get_roles(user)))
