"""Desk endpoints for calls: the popup, notes, reject, click-to-call. Each checks the user's rights."""

import frappe
from frappe import _
from frappe.utils import escape_html

from telephony_crm.caller_id.assign import add_number_to_record
from telephony_crm.calls import notes, outbound
from telephony_crm.calls.context import call_context
from telephony_crm.calls.engine import CALL_DOCTYPE, identify_caller
from telephony_crm.calls.events import CallStatus
from telephony_crm.calls.intake import update_call
from telephony_crm.calls.summary import ACTIVE_STATUSES, SUMMARY_FIELDS, call_summary
from telephony_crm.masking.dialling import place_call_to_record
from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.realtime import call_recipients


def _readable_call(call: str):
	doc = frappe.get_doc(CALL_DOCTYPE, call)
	doc.check_permission("read")
	return doc


@frappe.whitelist()
def get_active_calls() -> list[dict]:
	"""The user's live calls, so their popups come back after a reload: calls ringing their phone, and
	calls in progress that are theirs (not a colleague's who answered). Supervisors may read every call
	but get popups for their own."""
	user = frappe.session.user
	calls = frappe.get_list(
		CALL_DOCTYPE,
		filters=[
			[CALL_DOCTYPE, "status", "in", ACTIVE_STATUSES],
			[CALL_DOCTYPE, "started_at", ">", frappe.utils.add_days(None, -1)],
			["Telephony Call Participant", "user", "=", user],
		],
		fields=[f"`tab{CALL_DOCTYPE}`.`{field}`" for field in SUMMARY_FIELDS],
		order_by="started_at asc",
		limit=20,
		distinct=True,
	)
	return [
		call_summary(frappe._dict(c))
		for c in calls
		if user in (c.agent, c.answered_by)
		or (c.status == CallStatus.RINGING.value and _rings_for(c.name, user))
	]


def _rings_for(call: str, user: str) -> bool:
	"""Whether the ringing call's popup is the user's: not a group call's while they take none."""
	return user in call_recipients(frappe.get_doc(CALL_DOCTYPE, call))


@frappe.whitelist()
def get_call_context(call: str) -> dict:
	doc = _readable_call(call)
	return {"call": call_summary(doc), **call_context(doc)}


@frappe.whitelist(methods=["POST"])
def add_note(call: str, note: str) -> dict:
	_readable_call(call)
	return {"notes": notes.add_note(call, note).notes}


@frappe.whitelist(methods=["POST"])
def reject_call(call: str) -> dict:
	doc = _readable_call(call)
	doc.check_permission("write")
	try:
		result = outbound.reject_call(doc)
	except ProviderCommandError as error:
		# The message quotes the PBX's answer: shown to the user as text.
		frappe.throw(escape_html(str(error)), ProviderCommandError, title=_("The call could not be rejected"))
	return {"call": result.name, "status": result.status}


@frappe.whitelist(methods=["POST"])
def place_call(number: str, reference_doctype: str | None = None, reference_name: str | None = None) -> dict:
	reference = None
	if reference_doctype and reference_name:
		frappe.has_permission(reference_doctype, "read", reference_name, throw=True)
		reference = (reference_doctype, reference_name)
	return outbound.place_call(number, reference)


@frappe.whitelist(methods=["POST"])
def place_call_from_record(doctype: str, name: str, fieldname: str) -> dict:
	"""Click-to-call by reference: the server reads the number from the record (which the user must be
	able to read) and dials it; a user whose numbers are masked is never sent it."""
	return place_call_to_record(doctype, name, fieldname)


@frappe.whitelist(methods=["POST"])
def link_number_to_record(call: str, doctype: str, name: str) -> dict:
	"""Give the caller's number to an existing Customer, Contact or Lead and recognise the call anew."""
	doc = _readable_call(call)
	doc.check_permission("write")
	if not doc.external_number:
		frappe.throw(_("This call has no phone number to add to a record"))

	def add_number(call_doc):
		add_number_to_record(doctype, name, call_doc.external_number)
		identify_caller(call_doc)

	update_call(call, add_number, by_engine=True)
	return get_call_context(call)
