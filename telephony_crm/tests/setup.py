import frappe


def before_tests():
	"""A fresh site needs ERPNext's setup (company, fiscal year, defaults) before documents can be made."""
	frappe.get_attr("erpnext.setup.utils.before_tests")()
