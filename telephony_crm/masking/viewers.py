"""Who reads calls' raw numbers: the app-managed NUMBER_VIEWER_ROLE, read at NUMBER_PERMLEVEL.

Every user who reads calls (a role with read on Telephony Call Log) and is not masked (masks_numbers)
has the role; nobody else. It follows a user's roles as they are saved, the masked roles as Telephony
Settings are saved, and every user on install and migrate. The role reads a call-back's number on
ToDo the same way (ToDo's permissions become custom for it, see add_callback_number_perms).
"""

import frappe
from frappe.permissions import rights, setup_custom_perms

from telephony_crm.callbacks.fields import TODO
from telephony_crm.masking import NUMBER_PERMLEVEL, masks_numbers
from telephony_crm.roles import NUMBER_VIEWER_ROLE

CALL_DOCTYPE = "Telephony Call Log"
# Rows of the raw numbers' level, for ToDo and for sites whose call permissions are Custom DocPerms.
NUMBER_READERS = (NUMBER_VIEWER_ROLE, "System Manager")


def sync_user(doc, method=None) -> None:
	"""User on_update: give or take the user's NUMBER_VIEWER_ROLE."""
	_sync(doc.name, _call_reading_roles())


def sync_all_users() -> None:
	"""Every user's NUMBER_VIEWER_ROLE as their roles and the masked roles say (settings, migrate)."""
	reading = _call_reading_roles()
	users = frappe.get_all(
		"Has Role",
		{"parenttype": "User", "role": ("in", [*reading, NUMBER_VIEWER_ROLE])},
		pluck="parent",
		distinct=True,
	)
	for user in users:
		_sync(user, reading)


def add_number_level_perms() -> None:
	"""On a site whose call permissions are Custom DocPerms (edited in the Role Permission Manager),
	the standard rows of the numbers' level do not apply: add them as custom rows."""
	if frappe.db.exists("Custom DocPerm", {"parent": CALL_DOCTYPE}):
		_add_number_level_rows(CALL_DOCTYPE)


def add_callback_number_perms() -> None:
	"""A call-back's number on ToDo is read at the numbers' level too (install, migrate). ToDo is
	Frappe's, with no standard rows of that level: its permissions become custom, a copy of its standard
	rows as the Role Permission Manager makes them (or the site's custom ones), with the level's rows
	added. The viewer's rows give its users no one else's ToDos (todo_access.py)."""
	setup_custom_perms(TODO)
	_add_number_level_rows(TODO)


def remove_callback_number_perms() -> None:
	"""Uninstall: ToDo's rows that add_callback_number_perms added go; and its custom permissions with
	them while they are still the standard rows' copy (ToDo follows Frappe's permissions again)."""
	frappe.db.delete("Custom DocPerm", {"parent": TODO, "role": NUMBER_VIEWER_ROLE})
	frappe.db.delete(
		"Custom DocPerm", {"parent": TODO, "permlevel": NUMBER_PERMLEVEL, "role": "System Manager"}
	)
	if _perm_rows("Custom DocPerm", TODO) == _perm_rows("DocPerm", TODO):
		frappe.db.delete("Custom DocPerm", {"parent": TODO})
	frappe.clear_cache(doctype=TODO)


def _add_number_level_rows(doctype: str) -> None:
	# Frappe wants a row of level 0, with a right, for a role before its higher levels. The viewer's
	# selects (what its users do through their other roles anyway): the rows are the doctype's rights'.
	_add_custom_perm(doctype, NUMBER_VIEWER_ROLE, 0, "select")
	for role in NUMBER_READERS:
		_add_custom_perm(doctype, role, NUMBER_PERMLEVEL, "read")
	frappe.clear_cache(doctype=doctype)


def _add_custom_perm(doctype: str, role: str, permlevel: int, right: str) -> None:
	if frappe.db.exists("Custom DocPerm", {"parent": doctype, "role": role, "permlevel": permlevel}):
		return
	frappe.get_doc(
		{
			"doctype": "Custom DocPerm",
			"parent": doctype,
			"parenttype": "DocType",
			"parentfield": "permissions",
			"role": role,
			"permlevel": permlevel,
			# That right alone: a Custom DocPerm's defaults give Read and Export.
			**dict.fromkeys(rights, 0),
			right: 1,
		}
	).insert(ignore_permissions=True)


def _perm_rows(perm_doctype: str, doctype: str) -> set[tuple]:
	fields = ["role", "permlevel", "if_owner", *rights]
	return set(frappe.get_all(perm_doctype, {"parent": doctype}, fields, as_list=True))


def _call_reading_roles() -> set[str]:
	return {
		perm.role
		for perm in frappe.get_meta(CALL_DOCTYPE).permissions
		if perm.read and not perm.permlevel and perm.role != NUMBER_VIEWER_ROLE
	}


def _sync(user: str, reading: set[str]) -> None:
	if user in ("Administrator", "Guest"):
		return
	roles = set(frappe.get_roles(user))
	should = bool(roles & reading) and not masks_numbers(user)
	if should == (NUMBER_VIEWER_ROLE in roles):
		return
	if should:
		frappe.get_doc(
			{
				"doctype": "Has Role",
				"parenttype": "User",
				"parentfield": "roles",
				"parent": user,
				"role": NUMBER_VIEWER_ROLE,
			}
		).db_insert()
	else:
		frappe.db.delete("Has Role", {"parenttype": "User", "parent": user, "role": NUMBER_VIEWER_ROLE})
	# The user's roles are cached: they read (or stop reading) the numbers from their next request.
	frappe.clear_cache(user=user)
