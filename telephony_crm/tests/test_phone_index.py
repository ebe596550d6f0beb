"""The phone index follows Customers, Contacts and Leads through their whole life."""

import frappe
from frappe.model.rename_doc import rename_doc
from frappe.tests.utils import FrappeTestCase

from telephony_crm.caller_id.index import INDEX_DOCTYPE
from telephony_crm.caller_id.lookup import identify
from telephony_crm.caller_id.rebuild import rebuild_phone_index
from telephony_crm.tests.factories import make_contact, make_customer, make_lead, unique


def indexed(doctype: str, name: str) -> set[str]:
	return set(
		frappe.get_all(INDEX_DOCTYPE, {"reference_doctype": doctype, "reference_name": name}, pluck="phone")
	)


class TestPhoneIndex(FrappeTestCase):
	def setUp(self):
		frappe.db.set_single_value("Telephony Settings", "default_region", "Russia")

	def test_contact_numbers_are_indexed_on_insert(self):
		contact = make_contact(["8 (916) 100-00-01", "+7 495 100 00 02"])
		self.assertEqual(indexed("Contact", contact.name), {"+79161000001", "+74951000002"})

	def test_contact_update_replaces_its_numbers(self):
		contact = make_contact(["8 (916) 100-00-03"])
		contact.phone_nos[0].phone = "8 (916) 100-00-04"
		contact.save()
		self.assertEqual(indexed("Contact", contact.name), {"+79161000004"})
		self.assertIsNone(identify("+79161000003"))

	def test_contact_of_a_customer_gives_the_customer(self):
		customer = make_customer()
		contact = make_contact(["+7 916 100-00-05"], customer=customer.name)
		match = identify("+79161000005")
		self.assertEqual(
			(match.customer, match.contact, match.title), (customer.name, contact.name, contact.full_name)
		)

	def test_linking_an_existing_contact_to_a_customer_later(self):
		contact = make_contact(["+7 916 100-00-06"])
		self.assertIsNone(identify("+79161000006").customer)
		customer = make_customer()
		contact.append("links", {"link_doctype": "Customer", "link_name": customer.name})
		contact.save()
		self.assertEqual(identify("+79161000006").customer, customer.name)

	def test_lead_numbers(self):
		lead = make_lead(phone="8 916 100 00 07", mobile_no="+79161000008", whatsapp_no="9161000009")
		self.assertEqual(indexed("Lead", lead.name), {"+79161000007", "+79161000008", "+79161000009"})
		self.assertEqual(identify("+79161000009").lead, lead.name)

	def test_delete_removes_the_numbers(self):
		lead = make_lead(mobile_no="+79161000010")
		frappe.delete_doc("Lead", lead.name)
		self.assertEqual(indexed("Lead", lead.name), set())
		self.assertIsNone(identify("+79161000010"))

	def test_rename_follows(self):
		customer = make_customer()
		contact = make_contact(["+79161000011"], customer=customer.name)
		new_name = unique("Renamed Customer")
		rename_doc("Customer", customer.name, new_name, force=True)
		self.assertEqual(identify("+79161000011").customer, new_name)

		new_contact = unique("Renamed Contact")
		rename_doc("Contact", contact.name, new_contact, force=True)
		self.assertEqual(identify("+79161000011").contact, new_contact)
		self.assertEqual(indexed("Contact", contact.name), set())

	def test_several_matches_pick_deterministically_and_keep_the_rest(self):
		customer = make_customer()
		contact = make_contact(["+79161000012"], customer=customer.name)
		lead = make_lead(phone="+79161000012")
		other_contact = make_contact(["+79161000012"])
		for _ in range(3):
			match = identify("+79161000012")
			self.assertEqual((match.customer, match.contact), (customer.name, contact.name))
			self.assertEqual(
				{(r.doctype, r.name) for r in match.others},
				{("Lead", lead.name), ("Contact", other_contact.name)},
			)

	def test_extensions_never_match(self):
		make_lead(phone="101")
		self.assertEqual(frappe.db.count(INDEX_DOCTYPE, {"phone": ("in", ["101", "+7101"])}), 0)

	def test_rebuild_restores_a_damaged_index(self):
		contact = make_contact(["+79161000013"])
		lead = make_lead(mobile_no="+79161000014")
		frappe.db.delete(INDEX_DOCTYPE, {"reference_name": contact.name})
		frappe.db.sql(
			"insert into `tabTelephony Phone Index` (name, phone, reference_doctype, reference_name) "
			"values ('orphan-row', '+79160000000', 'Lead', 'no-such-lead')"
		)
		progress = []
		rebuild_phone_index(progress=lambda doctype, done, total: progress.append(doctype))
		self.assertEqual(indexed("Contact", contact.name), {"+79161000013"})
		self.assertEqual(indexed("Lead", lead.name), {"+79161000014"})
		self.assertFalse(frappe.db.exists(INDEX_DOCTYPE, "orphan-row"))
		self.assertEqual(set(progress), {"Customer", "Contact", "Lead"})
