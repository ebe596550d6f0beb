"""Desk endpoints for calls: the popup, notes, reject, click-to-call. Each checks the user's rights."""

import frappe

from telephony_crm.caller_id.assign import add_number_to_record
from telephony_crm.calls import notes, outbound
from telephony_crm.calls.context import call_context
from telephony_crm.calls.engine import CALL_DOCTYPE, identify_caller
from telephony_crm.calls.summary import ACTIVE_STATUSES, SUMMARY_FIELDS, call_summary


def _readable_call(call: str):
	doc = frappe.get_doc(CALL_DOCTYPE, call)
	doc.check_permission("read")
	return doc


@frappe.whitelist()
def get_active_calls() -> list[dict]:
	"""The user's own calls still ringing or in progress, so their popups come back after a reload.

	Only calls that are the user's: supervisors may read every call but get popups for their own."""
	user = frappe.session.user
	calls = frappe.get_list(
		CALL_DOCTYPE,
		filters={"status": ("in", ACTIVE_STATUSES), "started_at": (">", frappe.utils.add_days(None, -1))},
		or_filters={"agent": user, "answered_by": user},
		fields=list(SUMMARY_FIELDS),
		order_by="started_at asc",
		limit=20,
	)
	return [call_summary(frappe._dict(c)) for c in calls]


@frappe.whitelist()
def get_call_context(call: str) -> dict:
	doc = _readable_call(call)
	return {"call": call_summary(doc), **call_context(doc)}


@frappe.whitelist(methods=["POST"])
def add_note(call: str, note: str) -> dict:
	doc = _readable_call(call)
	notes.add_note(doc, note)
	return {"notes": doc.notes}


@frappe.whitelist(methods=["POST"])
def reject_call(call: str) -> dict:
	doc = _readable_call(call)
	doc.check_permission("write")
	result = outbound.reject_call(doc)
	return {"call": result.name, "status": result.status}


@frappe.whitelist(methods=["POST"])
def place_call(number: str, reference_doctype: str | None = None, reference_name: str | None = None) -> dict:
	reference = None
	if reference_doctype and reference_name:
		frappe.has_permission(reference_doctype, "read", reference_name, throw=True)
		reference = (reference_doctype, reference_name)
	return outbound.place_call(number, reference)


@frappe.whitelist(methods=["POST"])
def link_number_to_record(call: str, doctype: str, name: str) -> dict:
	"""Give the caller's number to an existing Customer, Contact or Lead and recognise the call anew."""
	doc = _readable_call(call)
	doc.check_permission("write")
	add_number_to_record(doctype, name, doc.external_number)
	identify_caller(doc)
	doc.save()
	return get_call_context(doc.name)
