"""Notes on calls: kept on the call, shown on the caller's timeline."""

import frappe
from frappe import _
from frappe.utils import escape_html, format_datetime, now

from telephony_crm.calls.intake import update_call


def add_note(call_name: str, note: str):
	"""Append a note to the call (under the call's lock) and to its caller's timeline; the call."""
	note = (note or "").strip()
	if not note:
		frappe.throw(_("The note is empty"))
	stamp = f"{format_datetime(now())}, {frappe.utils.get_fullname()}"
	entry = f"<p><b>{escape_html(stamp)}</b>: {escape_html(note)}</p>"

	def append_note(call):
		call.check_permission("write")
		call.notes = (call.notes or "") + entry

	call = update_call(call_name, append_note)
	call.add_comment("Comment", escape_html(note))
	party = _party(call)
	if party:
		frappe.get_doc(*party).add_comment(
			"Comment",
			_("Call {0}: {1}").format(
				frappe.utils.get_link_to_form(call.doctype, call.name), escape_html(note)
			),
		)
	return call


def _party(call) -> tuple[str, str] | None:
	for doctype, name in (("Customer", call.customer), ("Contact", call.contact), ("Lead", call.lead)):
		if name:
			return doctype, name
	return None
