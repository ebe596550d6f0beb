# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class TelephonyRoleRights(Document):
	pass
