"""A call's facts belong to the PBX: no person changes them, whatever the path (form, REST, set_value,
bulk edit, Data Import), whatever their role. People write notes and add links.

The check runs in the call's controller against the stored record, so it holds for every save that does
not come from the engine.
"""

import frappe
from frappe import _
from frappe.utils.data import cast

from telephony_crm.callbacks.fields import PENDING_FIELD
from telephony_crm.calls.engine import ADDED_LINK, ENGINE_TABLES, PBX_FACTS
from telephony_crm.recordings.state import RECORDING_STATE


class CallFactsError(frappe.PermissionError):
	"""Someone other than the engine tried to write what the PBX reported."""


def guard_pbx_facts(call) -> None:
	if call.is_new():
		frappe.throw(
			_("Calls are recorded by their telephony provider; they cannot be created by hand"),
			CallFactsError,
		)
	stored = call.get_doc_before_save() or frappe.get_doc(call.doctype, call.name)
	changed = [
		call.meta.get_label(field)
		for field in (*PBX_FACTS, *RECORDING_STATE, PENDING_FIELD)
		if _value(call, field) != _value(stored, field)
	]
	changed += [
		call.meta.get_label(table) for table in ENGINE_TABLES if _rows(call, table) != _rows(stored, table)
	]
	if _links_changed(call, stored):
		changed.append(call.meta.get_label("links"))
	if changed:
		frappe.throw(
			_("{0}: recorded by the telephony provider, cannot be changed. Notes and new links can.").format(
				", ".join(_(label) for label in changed)
			),
			CallFactsError,
			title=_("Not allowed"),
		)


def _links_changed(call, stored) -> bool:
	"""Links may be added; the ones the call has keep their document and origin."""
	kept = {row.name: row for row in call.links if row.name}
	for row in stored.links:
		if row.name not in kept or _row(kept[row.name]) != _row(row):
			return True
	for row in call.links:
		if not row.name or row.name not in {r.name for r in stored.links}:
			row.origin = ADDED_LINK
	return False


def _rows(doc, table: str) -> list[tuple]:
	return [_row(row) for row in doc.get(table) or ()]


def _row(row) -> tuple:
	return (row.name, *(_value(row, df.fieldname) for df in row.meta.get("fields")))


def _value(doc, field: str):
	"""The field's value as stored (a form sends datetimes as strings, numbers as text)."""
	value = doc.get(field)
	if value is None or value == "":
		return None
	df = doc.meta.get_field(field)
	return cast(df.fieldtype, value) if df else value
