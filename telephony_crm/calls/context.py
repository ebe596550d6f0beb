"""The caller's ERPNext context for the popup, read with the agent's own permissions."""

import frappe

from telephony_crm.callbacks.popup import callback_line

RECENT_ORDERS = 5
RECENT_CALLS = 5
OPEN_ITEMS = 10


def call_context(call) -> dict:
	"""What the agent may see about the caller: their record, orders, opportunities, to-dos, issues, calls."""
	party = _party(call)
	return {
		"party": party,
		"sales_orders": _sales_orders(call.customer),
		"opportunities": _opportunities(call),
		"todos": _todos(call),
		"issues": _issues(call),
		"recent_calls": _recent_calls(call),
		"callback": callback_line(call),
		"can_create": {
			doctype: bool(frappe.has_permission(doctype, "create"))
			for doctype in ("Sales Order", "Opportunity", "ToDo", "Issue", "Customer", "Lead", "Contact")
		},
	}


def _party(call) -> dict | None:
	for doctype, name in (("Customer", call.customer), ("Contact", call.contact), ("Lead", call.lead)):
		if name:
			readable = frappe.has_permission(doctype, "read", name)
			return {"doctype": doctype, "name": name, "title": _party_title(call), "readable": readable}
	return None


def _party_title(call) -> str:
	"""Who is calling and for whom: "Ivan Petrov (ACME Ltd)" for a contact of a customer."""
	person = call.caller_name
	if not call.customer:
		return person or call.contact or call.lead
	company = frappe.db.get_value("Customer", call.customer, "customer_name") or call.customer
	return f"{person} ({company})" if person and person != company else company


def _readable_list(doctype: str, **kwargs) -> list[dict]:
	"""frappe.get_list as the agent: rows they may not read never leave the server."""
	if not frappe.has_permission(doctype, "read"):
		return []
	return frappe.get_list(doctype, **kwargs)


def _sales_orders(customer: str | None) -> list[dict]:
	if not customer:
		return []
	return _readable_list(
		"Sales Order",
		filters={"customer": customer, "docstatus": ("<", 2)},
		fields=["name", "transaction_date", "grand_total", "currency", "status"],
		order_by="transaction_date desc, creation desc",
		limit=RECENT_ORDERS,
	)


def _opportunities(call) -> list[dict]:
	parties = [("Customer", call.customer), ("Lead", call.lead)]
	names = [name for _, name in parties if name]
	if not names:
		return []
	return _readable_list(
		"Opportunity",
		filters={"party_name": ("in", names), "status": ("not in", ("Lost", "Closed", "Converted"))},
		fields=["name", "title", "opportunity_amount", "currency", "status", "transaction_date"],
		order_by="creation desc",
		limit=OPEN_ITEMS,
	)


def _todos(call) -> list[dict]:
	references = [
		(d, n) for d, n in (("Customer", call.customer), ("Contact", call.contact), ("Lead", call.lead)) if n
	]
	if not references:
		return []
	todos = []
	for doctype, name in references:
		todos += _readable_list(
			"ToDo",
			filters={"reference_type": doctype, "reference_name": name, "status": "Open"},
			fields=["name", "description", "date", "allocated_to", "priority"],
			order_by="creation desc",
			limit=OPEN_ITEMS,
		)
	return todos[:OPEN_ITEMS]


def _issues(call) -> list[dict]:
	if not (call.customer or call.contact):
		return []
	filters = {"status": ("in", ("Open", "Replied", "On Hold"))}
	filters.update({"customer": call.customer} if call.customer else {"contact": call.contact})
	return _readable_list(
		"Issue",
		filters=filters,
		fields=["name", "subject", "status", "priority", "opening_date"],
		order_by="creation desc",
		limit=OPEN_ITEMS,
	)


def _recent_calls(call) -> list[dict]:
	if not call.external_number:
		return []
	return frappe.get_list(
		"Telephony Call Log",
		filters={"external_number": call.external_number, "name": ("!=", call.name)},
		fields=["name", "direction", "status", "started_at", "talk_duration", "notes", "agent"],
		order_by="started_at desc",
		limit=RECENT_CALLS,
	)
