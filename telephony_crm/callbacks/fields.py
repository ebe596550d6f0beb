"""What makes a ToDo a call-back: its number, and what it counts (custom fields, see todo.py); and the
call's mark that its number's call-back is not yet up to date with it (sync.py)."""

import frappe

TODO = "ToDo"
NUMBER_FIELD = "telephony_callback_number"
COUNT_FIELD = "telephony_missed_calls"
LAST_MISSED_FIELD = "telephony_last_missed_at"
OWN_FIELDS = (NUMBER_FIELD, COUNT_FIELD, LAST_MISSED_FIELD)
# On Telephony Call Log: the app's alone, like the PBX's facts (calls/guard.py).
PENDING_FIELD = "callback_pending"


def open_callback(number: str) -> str | None:
	"""The number's open call-back (a normalized number, as calls keep it)."""
	return frappe.db.get_value(TODO, {NUMBER_FIELD: number, "status": "Open"}, "name", order_by="creation")
