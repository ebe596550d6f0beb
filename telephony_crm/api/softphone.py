"""The desk's softphone: the browser line's registration details (for its owner only), and the number it
dials for a click-to-call."""

import frappe

from telephony_crm.softphone import placed_calls
from telephony_crm.softphone.lines import line_config


@frappe.whitelist(methods=["POST"])
def line_credentials(line: str | None = None) -> dict:
	"""The session user's browser line (or `line`, if it is theirs): the PBX's WebSocket URL, the SIP URI
	and login, the SIP password and the ICE servers. POST only: never in a URL, a
	cache or the boot data."""
	return line_config(line, frappe.session.user)


@frappe.whitelist(methods=["POST"])
def prepare_call(
	number: str, reference_doctype: str | None = None, reference_name: str | None = None
) -> dict:
	"""What the browser line dials for `number` (the dialling rules', the line's rewrite rule and the
	user's May Call right applied); the call is linked to the document it is started from."""
	reference = None
	if reference_doctype and reference_name:
		frappe.has_permission(reference_doctype, "read", reference_name, throw=True)
		reference = (reference_doctype, reference_name)
	return placed_calls.prepare_call(number, reference, frappe.session.user)
