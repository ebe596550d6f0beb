"""Committed test data for the browser (which sees only committed data), and its removal."""

import frappe
from frappe.utils.password import update_password

from telephony_crm.tests.factories import (
	delete_calls,
	make_customer,
	make_item,
	make_sales_order,
	make_sip_account,
	make_user,
	unique_mobile,
)

WEBHOOK_PATH = "/api/method/telephony_crm.api.webhook.receive"


def make_desk_user(roles, provider: str | None = None, extension: str | None = None, **sip_fields):
	"""A user who can log in with `password`, with a line on `provider` if an extension is given."""
	user = make_user(roles=roles, prefix="desk")
	password = frappe.generate_hash(length=20)
	update_password(user, password)
	if extension:
		make_sip_account(user, provider, extension, **sip_fields)
	return frappe._dict(name=user, password=password, extension=extension)


def make_known_customer(orders: int = 3):
	"""A customer whose primary contact has a mobile number, with draft Sales Orders."""
	customer = make_customer()
	number = unique_mobile()
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": customer.customer_name,
			"phone_nos": [{"phone": number, "is_primary_mobile_no": 1, "is_primary_phone": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer.name}],
		}
	).insert(ignore_permissions=True)
	customer.customer_primary_contact = contact.name
	customer.save(ignore_permissions=True)
	item = make_item()
	sales_orders = [make_sales_order(customer.name, item, rate=100 * (i + 1)).name for i in range(orders)]
	return frappe._dict(
		name=customer.name, contact=contact.name, number=number, item=item, sales_orders=sales_orders
	)


def remove_test_data(provider: str, users: list[str], customers: list[dict]) -> None:
	"""Everything the tests made, dependents first, committed."""
	frappe.db.rollback()
	delete_calls(provider)
	for customer in customers:
		for todo in frappe.get_all(
			"ToDo", {"reference_name": ("in", [customer.name, customer.contact])}, pluck="name"
		):
			frappe.delete_doc("ToDo", todo, ignore_permissions=True, force=True)
		for order in frappe.get_all("Sales Order", {"customer": customer.name}, pluck="name"):
			frappe.delete_doc("Sales Order", order, ignore_permissions=True, force=True)
		frappe.delete_doc("Contact", customer.contact, ignore_permissions=True, force=True)
		frappe.delete_doc("Customer", customer.name, ignore_permissions=True, force=True)
		frappe.delete_doc("Item", customer.item, ignore_permissions=True, force=True)
	for user in users:
		for account in frappe.get_all("SIP Account", {"user": user}, pluck="name"):
			frappe.delete_doc("SIP Account", account, ignore_permissions=True, force=True)
		frappe.delete_doc("User", user, ignore_permissions=True, force=True)
	frappe.delete_doc("Telephony Provider Settings", provider, ignore_permissions=True, force=True)
	frappe.db.commit()
