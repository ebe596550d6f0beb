"""Documents made from a call (orders, opportunities, to-dos, issues) and the call show each other."""

import frappe
from frappe import _

from telephony_crm.calls.engine import CALL_DOCTYPE, add_link
from telephony_crm.calls.intake import call_lock_until_commit
from telephony_crm.realtime import publish_call

CALL_LINK_FIELD = "telephony_call"
LINKABLE_DOCTYPES = ("Sales Order", "Opportunity", "ToDo", "Issue")
PARTY_FIELDS = {"Customer": "customer", "Contact": "contact", "Lead": "lead"}


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
	append_link(call, doc.doctype, doc.name)


def append_link(call, doctype: str, name: str) -> None:
	"""Add one row to the call's links, inside the caller's transaction (the new document's insert).

	No full save: the call's lock, held until that transaction ends, keeps the engine away, and an
	append never overwrites what the engine wrote since `call` was read."""
	call_lock_until_commit(call.provider, call.call_id)
	linked = frappe.db.sql(
		"""select name from `tabTelephony Call Link` where parenttype = %s and parent = %s
		and link_doctype = %s and link_name = %s for update""",
		(CALL_DOCTYPE, call.name, doctype, name),
	)
	if linked or not add_link(call, doctype, name):
		return
	call.links[-1].db_insert()
	call.modified, call.modified_by = frappe.utils.now(), frappe.session.user
	frappe.db.set_value(
		CALL_DOCTYPE,
		call.name,
		{"modified": call.modified, "modified_by": call.modified_by},
		update_modified=False,
	)
	call.notify_update()
	publish_call(call)


def forget_deleted_document(doc, method=None) -> None:
	"""Document hook (on_trash, every doctype): calls keep no link to a deleted document.

	Calls do not stop their customers, contacts or documents from being deleted (hooks'
	ignore_links_on_delete, as with Communication); the call keeps its numbers and loses the link."""
	frappe.db.delete("Telephony Call Link", {"link_doctype": doc.doctype, "link_name": doc.name})
	field = PARTY_FIELDS.get(doc.doctype)
	if field:
		frappe.db.set_value(CALL_DOCTYPE, {field: doc.name}, field, None, update_modified=False)
