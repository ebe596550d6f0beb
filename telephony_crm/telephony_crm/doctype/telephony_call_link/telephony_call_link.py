# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class TelephonyCallLink(Document):
	pass


def on_doctype_update():
	# Forgetting a deleted document looks its links up by what they point to.
	frappe.db.add_index("Telephony Call Link", ["link_doctype", "link_name"])
