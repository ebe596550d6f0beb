# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class TelephonyCallParticipant(Document):
	pass


def on_doctype_update():
	# Whose calls a user sees (permissions.py), both ways round: a user's calls, and a call's users.
	frappe.db.add_index("Telephony Call Participant", ["user", "parent"])
	frappe.db.add_index("Telephony Call Participant", ["parent", "user"])
