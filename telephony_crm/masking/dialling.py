"""Click-to-call by reference: the desk names the record and its field, the server reads the number
and dials it. A masked user calls numbers they never receive: neither the answer nor a refusal's
message carries the number."""

import re

import frappe
from frappe import _

from telephony_crm.callbacks.fields import NUMBER_FIELD, TODO
from telephony_crm.calls.dialling import DiallingRefused
from telephony_crm.calls.outbound import place_call
from telephony_crm.masking import MASKED_COPIES, masked_number, masks_numbers
from telephony_crm.rights.outbound import OutboundRefused

CALL_DOCTYPE = "Telephony Call Log"
# The app's number fields a desk may call by reference, besides every Phone field: the raw numbers
# of a call (or their masked copies, for the number beside them) and a call-back's number.
_CALLABLE = {CALL_DOCTYPE: (*MASKED_COPIES, *MASKED_COPIES.values()), TODO: (NUMBER_FIELD,)}
_RAW_OF_COPY = {copy: raw for raw, copy in MASKED_COPIES.items()}
# What looks like a phone number inside a sentence: a refusal names the number it refused.
_NUMBER_IN_TEXT = re.compile(r"\+?\d[\d\s().\-]{4,}\d")


def place_call_to_record(doctype: str, name: str, fieldname: str) -> dict:
	"""Dial the number in `fieldname` of the record the session's user may read, as click-to-call
	does (dialling rules, May Call), the record being the call's reference."""
	frappe.has_permission(doctype, "read", name, throw=True)
	number = frappe.db.get_value(doctype, name, _number_field(doctype, fieldname))
	if not number:
		frappe.throw(_("{0} {1} has no number to call").format(_(doctype), name))
	masked = masks_numbers()
	try:
		result = place_call(number, (doctype, name))
	except (DiallingRefused, OutboundRefused) as refusal:
		if not masked:
			raise
		raise type(refusal)(masked_text(str(refusal))) from None
	if masked:
		result.pop("number", None)
		if result.get("error"):
			result["error"] = masked_text(result["error"])
	return result


def masked_text(text: str) -> str:
	"""`text` with every number in it masked."""
	return _NUMBER_IN_TEXT.sub(lambda match: masked_number(match.group(0)) or "", text)


def _number_field(doctype: str, fieldname: str) -> str:
	"""The field holding the number: a call's raw number for its masked copy; refused for any field
	that holds no phone number."""
	df = frappe.get_meta(doctype).get_field(fieldname)
	if df and (fieldname in _CALLABLE.get(doctype, ()) or "Phone" in (df.fieldtype, df.options)):
		return _RAW_OF_COPY.get(fieldname, fieldname) if doctype == CALL_DOCTYPE else fieldname
	frappe.throw(
		_("{0} of {1} is not a phone number field").format(fieldname, _(doctype)), frappe.PermissionError
	)
