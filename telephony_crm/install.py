"""Install and uninstall steps. Every step is idempotent so migrations can run it again."""

import frappe

from telephony_crm.roles import TELEPHONY_ROLES


def before_install():
	# Roles must exist before the app's doctypes (whose permissions name them) are synced.
	create_roles()


def after_install():
	set_default_region()


def after_migrate():
	create_roles()


def before_uninstall():
	delete_roles()


def create_roles():
	for role in TELEPHONY_ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def delete_roles():
	for role in TELEPHONY_ROLES:
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
