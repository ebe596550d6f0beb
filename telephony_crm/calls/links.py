"""Documents made from a call (orders, opportunities, to-dos, issues) and the call show each other."""

import frappe
from frappe import _

from telephony_crm.calls.engine import CALL_DOCTYPE, add_link

CALL_LINK_FIELD = "telephony_call"
LINKABLE_DOCTYPES = ("Sales Order", "Opportunity", "ToDo", "Issue")


def link_new_document(doc, method=None) -> None:
	"""Document hook (after_insert): add the new document to its call's links."""
	call_name = doc.get(CALL_LINK_FIELD)
	if not call_name:
		return
	call = frappe.get_doc(CALL_DOCTYPE, call_name)
	# The link field only checks that the call exists; tying documents to it needs access to it.
	if not call.has_permission("read"):
		frappe.throw(
			_("You cannot link {0} to call {1}").format(_(doc.doctype), call_name), frappe.PermissionError
		)
	add_link(call, doc.doctype, doc.name)
	call.save(ignore_permissions=True)
