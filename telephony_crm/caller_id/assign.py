"""Giving an unknown caller's number to an existing record, so their next call is recognised."""

import frappe
from frappe import _

LEAD_PHONE_FIELDS = ("mobile_no", "phone", "whatsapp_no")


def add_number_to_record(doctype: str, name: str, number: str) -> None:
	"""Save `number` on the record; the index follows through the record's own save hooks."""
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("write")
	if doctype == "Contact":
		_add_to_contact(doc, number)
	elif doctype == "Lead":
		_add_to_lead(doc, number)
	elif doctype == "Customer":
		_add_to_customer(doc, number)
	else:
		frappe.throw(_("Numbers can be added to a Customer, Contact or Lead, not to {0}").format(_(doctype)))


def _add_to_contact(contact, number: str) -> None:
	if any(row.phone == number for row in contact.phone_nos):
		return
	contact.append("phone_nos", {"phone": number, "is_primary_phone": int(not contact.phone_nos)})
	contact.save()


def _add_to_lead(lead, number: str) -> None:
	free = next((field for field in LEAD_PHONE_FIELDS if not lead.get(field)), None)
	if not free:
		frappe.throw(_("Lead {0} already has a mobile, a phone and a WhatsApp number").format(lead.name))
	lead.set(free, number)
	lead.save()


def _add_to_customer(customer, number: str) -> None:
	"""A customer's numbers live on its contacts: the primary one, or a new one made for this number."""
	if customer.customer_primary_contact:
		_add_to_contact(frappe.get_doc("Contact", customer.customer_primary_contact), number)
		return
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": customer.customer_name,
			"phone_nos": [{"phone": number, "is_primary_phone": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer.name}],
		}
	)
	contact.insert()
