# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from telephony_crm.realtime import publish_call


class TelephonyCallLog(Document):
	"""One call through one provider. Its fields are derived by the call engine from the call's events."""

	def on_update(self):
		publish_call(self)


def on_doctype_update():
	# One record per call per provider, whatever order or concurrency the events arrive in.
	frappe.db.add_unique(
		"Telephony Call Log", ["provider", "call_id"], constraint_name="unique_provider_call"
	)
	frappe.db.add_index("Telephony Call Log", ["agent", "started_at"])
