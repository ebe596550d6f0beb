# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class TelephonyPhoneIndex(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		customer: DF.Link | None
		phone: DF.Data
		reference_doctype: DF.Link
		reference_name: DF.DynamicLink
		title: DF.Data | None
	# end: auto-generated types
	"""A number a caller is recognised by; maintained by telephony_crm.caller_id.index, never by hand."""


def on_doctype_update():
	frappe.db.add_index("Telephony Phone Index", ["reference_doctype", "reference_name"])
