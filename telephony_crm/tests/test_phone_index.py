"""The phone index follows Customers, Contacts and Leads through their whole life."""

import frappe
from frappe.model.rename_doc import rename_doc
from frappe.tests.utils import FrappeTestCase

from telephony_crm.caller_id.index import INDEX_DOCTYPE
from telephony_crm.caller_id.lookup import identify
from telephony_crm.caller_id.rebuild import rebuild_phone_index
from telephony_crm.tests.factories import (
	make_contact,
	make_customer,
	make_lead,
	russian_national,
	unique,
	unique_mobile,
	use_region,
)


def indexed(doctype: str, name: str) -> set[str]:
	return set(
		frappe.get_all(INDEX_DOCTYPE, {"reference_doctype": doctype, "reference_name": name}, pluck="phone")
	)


class TestPhoneIndex(FrappeTestCase):
	def setUp(self):
		use_region()
		self.a, self.b, self.c = unique_mobile(), unique_mobile(), unique_mobile()

	def test_contact_numbers_are_indexed_on_insert(self):
		contact = make_contact([russian_national(self.a), self.b])
		self.assertEqual(indexed("Contact", contact.name), {self.a, self.b})

	def test_contact_update_replaces_its_numbers(self):
		contact = make_contact([russian_national(self.a)])
		contact.phone_nos[0].phone = russian_national(self.b)
		contact.save()
		self.assertEqual(indexed("Contact", contact.name), {self.b})
		self.assertIsNone(identify(self.a))

	def test_contact_of_a_customer_gives_the_customer(self):
		customer = make_customer()
		contact = make_contact([self.a], customer=customer.name)
		match = identify(self.a)
		self.assertEqual(
			(match.customer, match.contact, match.title), (customer.name, contact.name, contact.full_name)
		)

	def test_linking_an_existing_contact_to_a_customer_later(self):
		contact = make_contact([self.a])
		self.assertIsNone(identify(self.a).customer)
		customer = make_customer()
		contact.append("links", {"link_doctype": "Customer", "link_name": customer.name})
		contact.save()
		self.assertEqual(identify(self.a).customer, customer.name)

	def test_lead_numbers(self):
		lead = make_lead(phone=russian_national(self.a), mobile_no=self.b, whatsapp_no=self.c[2:])
		self.assertEqual(indexed("Lead", lead.name), {self.a, self.b, self.c})
		self.assertEqual(identify(self.c).lead, lead.name)

	def test_delete_removes_the_numbers(self):
		lead = make_lead(mobile_no=self.a)
		frappe.delete_doc("Lead", lead.name)
		self.assertEqual(indexed("Lead", lead.name), set())
		self.assertIsNone(identify(self.a))

	def test_rename_follows(self):
		customer = make_customer()
		contact = make_contact([self.a], customer=customer.name)
		new_name = unique("Renamed Customer")
		rename_doc("Customer", customer.name, new_name, force=True)
		self.assertEqual(identify(self.a).customer, new_name)

		new_contact = unique("Renamed Contact")
		rename_doc("Contact", contact.name, new_contact, force=True)
		self.assertEqual(identify(self.a).contact, new_contact)
		self.assertEqual(indexed("Contact", contact.name), set())

	def test_several_matches_pick_deterministically_and_keep_the_rest(self):
		customer = make_customer()
		contact = make_contact([self.a], customer=customer.name)
		lead = make_lead(phone=self.a)
		other_contact = make_contact([self.a])
		for _ in range(3):
			match = identify(self.a)
			self.assertEqual((match.customer, match.contact), (customer.name, contact.name))
			# ERPNext gives a new lead a contact of its own, so that contact shares the number too.
			lead_contact = frappe.db.get_value(
				"Dynamic Link", {"link_doctype": "Lead", "link_name": lead.name}, "parent"
			)
			self.assertEqual(
				{(r.doctype, r.name) for r in match.others},
				{("Lead", lead.name), ("Contact", other_contact.name), ("Contact", lead_contact)},
			)

	def test_extensions_never_match(self):
		make_lead(phone="101")
		self.assertEqual(frappe.db.count(INDEX_DOCTYPE, {"phone": ("in", ["101", "+7101"])}), 0)

	def test_rebuild_restores_a_damaged_index(self):
		contact = make_contact([self.a])
		lead = make_lead(mobile_no=self.b)
		frappe.db.delete(INDEX_DOCTYPE, {"reference_name": contact.name})
		frappe.db.sql(
			"insert into `tabTelephony Phone Index` (name, phone, reference_doctype, reference_name) "
			"values ('orphan-row', '+79160000000', 'Lead', 'no-such-lead')"
		)
		progress = []
		rebuild_phone_index(progress=lambda doctype, done, total: progress.append(doctype))
		self.assertEqual(indexed("Contact", contact.name), {self.a})
		self.assertEqual(indexed("Lead", lead.name), {self.b})
		self.assertFalse(frappe.db.exists(INDEX_DOCTYPE, "orphan-row"))
		self.assertEqual(set(progress), {"Customer", "Contact", "Lead"})
