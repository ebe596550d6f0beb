import frappe

from telephony_crm.rights.scopes import set_default_rights

OLD_TABLE = "Telephony Recording Access"


def execute():
	"""Recording Access (listen / download per role) became part of Role Rights: each role keeps whether
	it may listen and download, and gets the default reach for the rest."""
	access = {}
	if frappe.db.table_exists(OLD_TABLE):
		access = {
			row.role: (bool(row.can_listen), bool(row.can_download))
			for row in frappe.db.sql(
				f"select role, can_listen, can_download from `tab{OLD_TABLE}`", as_dict=True
			)
		}
	set_default_rights(recording_access=access)
	frappe.delete_doc("DocType", OLD_TABLE, force=True, ignore_missing=True)
	# Frappe keeps the table of a deleted DocType.
	frappe.db.sql_ddl(f"drop table if exists `tab{OLD_TABLE}`")
