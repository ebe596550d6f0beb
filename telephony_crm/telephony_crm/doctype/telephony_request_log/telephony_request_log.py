# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now


class TelephonyRequestLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		direction: DF.Literal["Incoming", "Outgoing"]
		duration_ms: DF.Float
		error: DF.SmallText | None
		method: DF.Data | None
		provider: DF.Link | None
		request_body: DF.Code | None
		request_headers: DF.Code | None
		response_body: DF.Code | None
		status_code: DF.Int
		url: DF.SmallText | None

	# end: auto-generated types
	@staticmethod
	def clear_old_logs(days: int = 30):
		"""Called by Frappe's log clearing (Log Settings)."""
		table = frappe.qb.DocType("Telephony Request Log")
		frappe.db.delete(table, filters=(table.creation < (Now() - Interval(days=days))))
