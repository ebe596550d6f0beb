"""The phone index: every number a caller can be recognised by, normalized, one row per number and record.

Kept current by document hooks on Customer, Contact and Lead; `rebuild` fills it for existing data.
"""

from dataclasses import dataclass

import frappe

from telephony_crm.caller_id.numbers import normalize_number, site_region
from telephony_crm.calls.validation import clean_text

INDEX_DOCTYPE = "Telephony Phone Index"
_FIELDS = ("name", "phone", "reference_doctype", "reference_name", "customer", "title")


@dataclass(frozen=True)
class IndexedSource:
	"""Where the numbers of one kind of record are kept."""

	doctype: str
	phone_fields: tuple[str, ...]
	title_field: str
	phone_table: tuple[str, str] | None = None  # (table field, phone field in its rows)


SOURCES = {
	source.doctype: source
	for source in (
		IndexedSource("Customer", ("mobile_no",), "customer_name"),
		IndexedSource("Contact", ("phone", "mobile_no"), "full_name", phone_table=("phone_nos", "phone")),
		IndexedSource("Lead", ("phone", "mobile_no", "whatsapp_no"), "lead_name"),
	)
}


def index_rows(doc, region: str | None) -> list[dict]:
	"""The index rows `doc` should have."""
	source = SOURCES[doc.doctype]
	numbers = [doc.get(field) for field in source.phone_fields]
	if source.phone_table:
		table, field = source.phone_table
		numbers += [row.get(field) for row in doc.get(table) or ()]
	keys = dict.fromkeys(filter(None, (normalize_number(n, region) for n in numbers)))
	customer = doc.name if doc.doctype == "Customer" else _linked_customer(doc)
	# Copied into calls and popups by plain SQL: kept as plain text.
	title = clean_text(doc.get(source.title_field) or doc.name)
	return [
		{
			"phone": key,
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"customer": customer,
			"title": title,
		}
		for key in keys
	]


def _linked_customer(doc) -> str | None:
	if doc.doctype != "Contact":
		return None
	return next((link.link_name for link in doc.get("links") or () if link.link_doctype == "Customer"), None)


def update_document_phones(doc, method=None) -> None:
	"""Document hook: replace the document's rows with the ones its numbers give now."""
	_delete_rows(doc.doctype, doc.name)
	insert_rows(index_rows(doc, site_region()))


def remove_document_phones(doc, method=None) -> None:
	"""Document hook (on_trash): the record's numbers go, and a deleted customer's contacts lose it."""
	_delete_rows(doc.doctype, doc.name)
	if doc.doctype == "Customer":
		_reindex_contacts_of(doc.name)


def rename_document_phones(doc, method=None, old_name=None, new_name=None, merge=False) -> None:
	"""Document hook (after_rename): the rows follow the record, merged or renamed.

	Frappe renames links to the record with plain SQL (a contact's link to a merged customer, say),
	without saving the records that hold them, so the index's own `customer` column is renamed here."""
	if merge:
		# The merged record already has rows; the old one's numbers now belong to it.
		_delete_rows(doc.doctype, old_name)
		update_document_phones(frappe.get_doc(doc.doctype, new_name))
	else:
		frappe.db.set_value(
			INDEX_DOCTYPE,
			{"reference_doctype": doc.doctype, "reference_name": old_name},
			"reference_name",
			new_name,
			update_modified=False,
		)
	if doc.doctype == "Customer":
		frappe.db.set_value(
			INDEX_DOCTYPE, {"customer": old_name}, "customer", new_name, update_modified=False
		)


def _reindex_contacts_of(customer: str) -> None:
	"""Contacts whose rows name `customer` as theirs, indexed again from what they are linked to now."""
	contacts = frappe.get_all(
		INDEX_DOCTYPE,
		{"customer": customer, "reference_doctype": "Contact"},
		pluck="reference_name",
		distinct=True,
	)
	for contact in contacts:
		if frappe.db.exists("Contact", contact):
			update_document_phones(frappe.get_doc("Contact", contact))
		else:
			_delete_rows("Contact", contact)


def _delete_rows(doctype: str, name: str) -> None:
	frappe.db.delete(INDEX_DOCTYPE, {"reference_doctype": doctype, "reference_name": name})


def insert_rows(rows: list[dict]) -> None:
	if not rows:
		return
	now = frappe.utils.now()
	user = frappe.session.user
	values = [
		(
			frappe.generate_hash(length=12),
			row["phone"],
			row["reference_doctype"],
			row["reference_name"],
			row["customer"],
			row["title"],
			now,
			now,
			user,
			user,
		)
		for row in rows
	]
	frappe.db.bulk_insert(
		INDEX_DOCTYPE, (*_FIELDS, "creation", "modified", "owner", "modified_by"), values, chunk_size=5000
	)
