# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class TelephonyAgentStatus(Document):
	"""An agent's status now (one record per user). Written by telephony_crm.availability.record only."""
