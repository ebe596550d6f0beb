# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from telephony_crm.analytics.indexes import add_indexes


class TelephonyAgentStatusChange(Document):
	"""One change of an agent's status, for reporting. Written by telephony_crm.availability.record only."""


def on_doctype_update():
	# An agent's history in order, for their own list and for reports over a period.
	frappe.db.add_index("Telephony Agent Status Change", ["user", "changed_at"])
	# The time in each status over a period (Agent Performance).
	add_indexes("Telephony Agent Status Change")
