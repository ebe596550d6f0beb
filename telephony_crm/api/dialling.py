"""The provider form's *Test a Number*: what a number becomes under the provider's dialling rules (and a
line's), and why; nothing is dialled."""

import frappe
from frappe import _

from telephony_crm.calls.dialling import LINE_DIALLING_FIELDS, DiallingRefused, plan_dialling

PROVIDER = "Telephony Provider Settings"


@frappe.whitelist(methods=["POST"])
def test_number(provider: str, number: str, line: str | None = None) -> dict:
	frappe.has_permission(PROVIDER, "write", provider, throw=True)
	if line:
		account = frappe.db.get_value(
			"SIP Account", line, ["provider", "extension", *LINE_DIALLING_FIELDS], as_dict=True
		)
		if not account or account.provider != provider:
			frappe.throw(_("{0} is no line of {1}").format(line, provider))
	else:
		account = frappe._dict(provider=provider, extension=_("(any line)"))
	try:
		plan = plan_dialling(number, account)
	except DiallingRefused as refusal:
		return {"refused": str(refusal)}
	return {"number": plan.number, "direction": plan.direction, "steps": plan.steps}
