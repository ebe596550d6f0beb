"""Install and uninstall steps. Every step is idempotent so migrations can run it again."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from telephony_crm.callbacks.todo import CALLBACK_FIELDS
from telephony_crm.caller_id.unknown_callers import create_lead_source
from telephony_crm.calls.links import CALL_LINK_FIELD, LINKABLE_DOCTYPES
from telephony_crm.masking.viewers import (
	add_callback_number_perms,
	remove_callback_number_perms,
	sync_all_users,
)
from telephony_crm.rights.scopes import set_default_rights
from telephony_crm.roles import NUMBER_VIEWER_ROLE, TELEPHONY_ROLES

# Documents made from a call point back to it; the call lists them in its links.
CUSTOM_FIELDS = {
	doctype: [
		{
			"fieldname": CALL_LINK_FIELD,
			"label": "Telephony Call",
			"fieldtype": "Link",
			"options": "Telephony Call Log",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
		}
	]
	for doctype in LINKABLE_DOCTYPES
}
# A call-back is a ToDo that knows the number it calls back.
CUSTOM_FIELDS["ToDo"] = [*CUSTOM_FIELDS["ToDo"], *CALLBACK_FIELDS]


def before_install():
	# Roles must exist before the app's doctypes (whose permissions name them) are synced.
	create_roles()


def after_install():
	add_callback_number_perms()
	create_custom_fields(CUSTOM_FIELDS, ignore_validate=True)
	compare_call_ids_exactly()
	set_default_region()
	set_default_rights()
	create_lead_source()


def after_migrate():
	create_roles()
	# Before the call-back number's field is raised to its level (its update on an existing site).
	add_callback_number_perms()
	create_custom_fields(CUSTOM_FIELDS, ignore_validate=True)
	compare_call_ids_exactly()
	create_lead_source()
	# Users given roles while the app was not watching (Data Import, another app's migration).
	sync_all_users()


def before_uninstall():
	delete_custom_fields()
	remove_callback_number_perms()
	delete_roles()


def delete_custom_fields():
	for doctype, fields in CUSTOM_FIELDS.items():
		for field in fields:
			fieldname = field["fieldname"]
			frappe.delete_doc("Custom Field", f"{doctype}-{fieldname}", ignore_missing=True, force=True)
			# Frappe keeps a deleted custom field's column; the calls it points to go with the app.
			if frappe.db.has_column(doctype, fieldname):
				frappe.db.sql_ddl(f"ALTER TABLE `tab{doctype}` DROP COLUMN `{fieldname}`")
		frappe.clear_cache(doctype=doctype)


def create_roles():
	for role in (*TELEPHONY_ROLES, NUMBER_VIEWER_ROLE):
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def delete_roles():
	for role in (*TELEPHONY_ROLES, NUMBER_VIEWER_ROLE):
		# Users keep their other roles; only the assignments of ours go.
		frappe.db.delete("Has Role", {"role": role})
		frappe.db.delete("Custom DocPerm", {"role": role})
		frappe.db.delete("Role", {"name": role})
	frappe.clear_cache()


def set_default_region():
	"""Read national numbers as numbers of the company's country until an admin says otherwise."""
	country = frappe.db.get_single_value("System Settings", "country")
	if country and not frappe.db.get_single_value("Telephony Settings", "default_region"):
		frappe.db.set_single_value("Telephony Settings", "default_region", country)


def compare_call_ids_exactly():
	"""Providers' call ids are case-sensitive (Mango's are base64): `aB` and `Ab` are two calls, which
	the site's case- and accent-insensitive collation would take for one."""
	collation = frappe.db.sql(
		"""select collation_name from information_schema.columns
		where table_schema = database() and table_name = 'tabTelephony Call Log' and column_name = 'call_id'"""
	)
	if collation and collation[0][0] != "utf8mb4_bin":
		frappe.db.sql_ddl(
			"alter table `tabTelephony Call Log` modify `call_id` varchar(140)"
			" character set utf8mb4 collate utf8mb4_bin not null"
		)
