# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class TelephonyPhoneIndex(Document):
	"""A number a caller is recognised by; maintained by telephony_crm.caller_id.index, never by hand."""


def on_doctype_update():
	frappe.db.add_index("Telephony Phone Index", ["reference_doctype", "reference_name"])
