"""How the engine reads and writes calls on its hot path: plain SQL, one statement a table.

Frappe's full load and save (query builder, link checks, version compare, sanitizing) cost more than the
event they carry. The engine may skip them: it holds the call's lock (intake), every value it writes was
validated and cleaned where its event was built, and it changes only its own fields, never people's
notes. A change of the caller's matches on an existing call still goes through Frappe's full save.
"""

import frappe
from frappe.model.naming import set_new_name

from telephony_crm.realtime import publish_call

CALL_DOCTYPE = "Telephony Call Log"
CHILD_TABLES = {
	"events": "Telephony Call Event",
	"links": "Telephony Call Link",
	"participants": "Telephony Call Participant",
}


def load_call(provider: str, call_id: str):
	"""The call as a Document, or None when the provider has reported no event of it yet."""
	rows = frappe.db.sql(
		"select * from `tabTelephony Call Log` where provider = %s and call_id = %s",
		(provider, call_id),
		as_dict=True,
	)
	if not rows:
		return None
	call = rows[0]
	for field, doctype in CHILD_TABLES.items():
		call[field] = frappe.db.sql(
			f"""select * from `tab{doctype}`
			where parent = %s and parenttype = %s and parentfield = %s order by idx""",
			(call.name, CALL_DOCTYPE, field),
			as_dict=True,
		)
	return frappe.get_doc({"doctype": CALL_DOCTYPE, **call})


def insert_call(call) -> None:
	"""Insert a new call and its rows (the unique key on provider and call id keeps it to one)."""
	set_new_name(call)
	call.set_parent_in_children()
	call.set_name_in_children()
	call.creation = call.modified = frappe.utils.now()
	# The record's activity names the PBX that reported the call, not the request's user (Guest).
	call.owner = call.modified_by = call.provider
	call.db_insert()
	for table in CHILD_TABLES:
		for row in call.get(table):
			row.creation, row.modified, row.owner, row.modified_by = (
				call.creation,
				call.modified,
				call.owner,
				call.modified_by,
			)
			row.db_insert()
	_tell_the_desk(call)


def update_call_fields(call, fields: tuple[str, ...], new_rows: list) -> None:
	"""Write `fields` of an existing call and insert its `new_rows` (new events, participants)."""
	call.modified, call.modified_by = frappe.utils.now(), call.provider
	for row in new_rows:
		row.creation = row.modified = call.modified
		row.owner = row.modified_by = call.provider
		row.db_insert()
	columns = (*fields, "modified", "modified_by")
	frappe.db.sql(
		"update `tabTelephony Call Log` set {} where name = %s".format(
			", ".join(f"`{column}` = %s" for column in columns)
		),
		(*(call.get(column) for column in columns), call.name),
	)
	_tell_the_desk(call)


def _tell_the_desk(call) -> None:
	# Open forms of the call see its new `modified` and reload instead of conflicting on save.
	call.notify_update()
	publish_call(call)
