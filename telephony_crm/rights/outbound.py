"""Whom a user may call from the desk (Telephony Settings → Role Rights → May Call): nobody, the numbers
of the CRM's customers, contacts and leads they may see, those and their coworkers, or any number.
Checked on every call the app places for a user."""

import frappe
from frappe import _

from telephony_crm.caller_id.index import INDEX_DOCTYPE
from telephony_crm.caller_id.numbers import normalize_number
from telephony_crm.rights.scopes import ANY_NUMBER, CRM_AND_COWORKERS, NOBODY, OUTBOUND, scope


class OutboundRefused(frappe.PermissionError):
	pass


def check_outbound(number: str, region: str | None, user: str) -> None:
	"""OutboundRefused, naming the rule, unless `user` may call `number` (read in `region`)."""
	reach = scope(OUTBOUND, user)
	if reach == ANY_NUMBER:
		return
	if reach == NOBODY:
		raise OutboundRefused(_("Your telephony rights do not let you place calls"))
	key = normalize_number(number, region)
	if _is_crm_number(key, user):
		return
	if reach == CRM_AND_COWORKERS:
		if _is_coworker_number(number, key, region):
			return
		raise OutboundRefused(
			_(
				"Your telephony rights let you call customers, contacts and leads you can see, and coworkers; "
				"{0} is not the number of any of them"
			).format(number)
		)
	raise OutboundRefused(
		_(
			"Your telephony rights let you call customers, contacts and leads you can see; "
			"{0} is not the number of any of them"
		).format(number)
	)


def _is_crm_number(key: str | None, user: str) -> bool:
	if not key:
		return False
	records = frappe.get_all(
		INDEX_DOCTYPE, {"phone": key}, ["reference_doctype", "reference_name"], ignore_permissions=True
	)
	return any(
		frappe.has_permission(row.reference_doctype, "read", doc=row.reference_name, user=user)
		for row in records
	)


def _is_coworker_number(number: str, key: str | None, region: str | None) -> bool:
	"""An enabled line's extension, or an enabled user's phone or mobile number."""
	if frappe.db.exists("SIP Account", {"extension": number.strip(), "enabled": 1}):
		return True
	if not key:
		return False
	phones = frappe.get_all(
		"User",
		{"enabled": 1, "user_type": "System User"},
		["phone", "mobile_no"],
		ignore_permissions=True,
	)
	return any(
		normalize_number(phone, region) == key
		for row in phones
		for phone in (row.phone, row.mobile_no)
		if phone
	)
