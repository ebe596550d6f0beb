"""The call-back line in a call's popup: "missed 3 times since 10:14, call-back assigned to ...".

Shown to whoever may read the call: the agent who takes a call from the number learns that a colleague
is to call it back. The line opens the ToDo only for those who may read it (its assignee, System
Managers).
"""

import frappe
from frappe.utils import get_fullname

from telephony_crm.callbacks.fields import TODO, open_callback
from telephony_crm.callbacks.todo import missed_calls_of


def callback_line(call) -> dict | None:
	"""The number's open call-back, as the popup draws it; None when the number has none."""
	number = call.external_number
	todo = number and open_callback(number)
	if not todo:
		return None
	missed = missed_calls_of(todo, number)
	if not missed:
		return None
	assignee = frappe.db.get_value(TODO, todo, "allocated_to")
	return {
		"name": todo,
		"missed_calls": missed.count,
		"first_missed_at": missed.first_at,
		"last_missed_at": missed.last_at,
		"assigned_to": assignee,
		"assigned_to_name": get_fullname(assignee) if assignee else None,
		"readable": bool(frappe.has_permission(TODO, "read", todo)),
	}
