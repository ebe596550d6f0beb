"""Calls the browser line places itself (click-to-call on a browser line): the desk asks for the number
first, and it goes through the provider's dialling rules and the line's (calls.dialling) and the user's
May Call right, as every call the app places does; nothing is dialled here. The browser then dials it,
and the engine links the call to the document it was started from (pending_links)."""

import frappe
from frappe import _

from telephony_crm.caller_id.numbers import region_for_provider
from telephony_crm.calls.dialling import LINE_DIALLING_FIELDS, plan_dialling
from telephony_crm.rights.outbound import check_outbound
from telephony_crm.softphone import pending_links
from telephony_crm.softphone.lines import browser_line_of


def prepare_call(number: str, reference: tuple[str, str] | None, user: str) -> dict:
	"""The number the user's browser line dials for `number`; DiallingRefused or OutboundRefused with
	the rule named."""
	line = browser_line_of(user)
	if not line:
		frappe.throw(
			_("You have no enabled line with Calls in the Browser"),
			frappe.DoesNotExistError,
			title=_("No browser line"),
		)
	account = frappe.db.get_value(
		"SIP Account", line.name, ["name", "provider", "extension", *LINE_DIALLING_FIELDS], as_dict=True
	)
	dialled = plan_dialling(number, account).number
	check_outbound(number, region_for_provider(account.provider), user)
	if reference:
		pending_links.remember(account.provider, account.extension, dialled, reference)
	return {"number": dialled, "line": account.name}
