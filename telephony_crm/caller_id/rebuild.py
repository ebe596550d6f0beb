"""Fill the phone index from existing Customers, Contacts and Leads (after install, or to repair it)."""

from collections import defaultdict
from collections.abc import Callable

import frappe

from telephony_crm.caller_id.index import INDEX_DOCTYPE, SOURCES, index_rows, insert_rows
from telephony_crm.caller_id.numbers import site_region

BATCH_SIZE = 2000


def rebuild_phone_index(progress: Callable[[str, int, int], None] | None = None) -> int:
	"""Reindex every record in batches, committing each batch; returns the number of index rows."""
	region = site_region()
	for source in SOURCES.values():
		names = frappe.get_all(source.doctype, pluck="name", order_by="name asc")
		for start in range(0, len(names), BATCH_SIZE):
			batch = names[start : start + BATCH_SIZE]
			frappe.db.delete(
				INDEX_DOCTYPE, {"reference_doctype": source.doctype, "reference_name": ("in", batch)}
			)
			insert_rows([row for doc in _load_batch(source, batch) for row in index_rows(doc, region)])
			frappe.db.commit()
			if progress:
				progress(source.doctype, start + len(batch), len(names))
		_delete_orphans(source.doctype)
		frappe.db.commit()
	return frappe.db.count(INDEX_DOCTYPE)


def _load_batch(source, names: list[str]) -> list[frappe._dict]:
	"""The records of `names` with just the fields `index_rows` reads, in three queries."""
	fields = ["name", source.title_field, *source.phone_fields]
	docs = frappe.get_all(source.doctype, filters={"name": ("in", names)}, fields=fields)
	for doc in docs:
		doc.doctype = source.doctype
	if source.doctype != "Contact":
		return docs

	table_field, phone_field = source.phone_table
	phones = _child_rows("Contact Phone", names, [phone_field], parentfield=table_field)
	links = _child_rows("Dynamic Link", names, ["link_doctype", "link_name"], parenttype="Contact")
	for doc in docs:
		doc[table_field] = phones[doc.name]
		doc.links = links[doc.name]
	return docs


def _child_rows(doctype: str, parents: list[str], fields: list[str], **filters) -> dict[str, list]:
	rows = frappe.get_all(
		doctype,
		filters={"parent": ("in", parents), **filters},
		fields=["parent", *fields],
		order_by="idx asc",
	)
	by_parent = defaultdict(list)
	for row in rows:
		by_parent[row.parent].append(row)
	return by_parent


def _delete_orphans(doctype: str) -> None:
	index = frappe.qb.DocType(INDEX_DOCTYPE)
	records = frappe.qb.DocType(doctype)
	orphans = (
		frappe.qb.from_(index)
		.left_join(records)
		.on(records.name == index.reference_name)
		.select(index.name)
		.where((index.reference_doctype == doctype) & records.name.isnull())
	).run(pluck=True)
	if orphans:
		frappe.db.delete(INDEX_DOCTYPE, {"name": ("in", orphans)})
