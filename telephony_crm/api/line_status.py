"""The desk's view of the user's own lines: whether the PBX has their phones (the navbar handset)."""

import frappe

from telephony_crm.lines.registration import user_lines


@frappe.whitelist()
def my_lines() -> list[dict]:
	"""Your enabled lines and their registration (status, since when, the contact); no credentials. The
	same as the boot data, for a desk that was away from the realtime stream."""
	return user_lines(frappe.session.user)
