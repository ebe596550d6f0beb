# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now


class TelephonyRequestLog(Document):
	@staticmethod
	def clear_old_logs(days: int = 30):
		"""Called by Frappe's log clearing (Log Settings)."""
		table = frappe.qb.DocType("Telephony Request Log")
		frappe.db.delete(table, filters=(table.creation < (Now() - Interval(days=days))))
