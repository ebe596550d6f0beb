"""The call-back: a standard ToDo for a number whose calls were missed, one open at a time per number.

It points to its first missed call (`telephony_call`) and to the caller's customer, contact or lead (its
reference); every missed call it stands for has it among its links. The fields that make a ToDo a
call-back (its number, how many calls, the last one) are the app's alone: `guard_callback_fields` refuses
them to everyone else, so nobody can make a ToDo of their own take a number's missed calls.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import frappe
from frappe import _
from frappe.utils import escape_html, format_datetime, get_datetime, get_fullname, get_link_to_form
from frappe.utils.data import cast

from telephony_crm.callbacks.assignment import AFTER_HOURS, FALLBACK, UNASSIGNED, Assignee, assignee_for
from telephony_crm.callbacks.fields import (
	COUNT_FIELD,
	LAST_MISSED_FIELD,
	NUMBER_FIELD,
	OWN_FIELDS,
	TODO,
	open_callback,
)
from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.calls.links import CALL_LINK_FIELD, append_link
from telephony_crm.masking import NUMBER_PERMLEVEL, shared_number
from telephony_crm.request_flags import has_request_flag, request_flag
from telephony_crm.routing.responsible import ACCOUNT_MANAGER, CONTACT_OWNER, LAST_TALKED, LEAD_OWNER

# Set while the app writes a call-back (callback_writes).
_CALLBACK_WRITES = "telephony_callback_writes"
# Custom fields on ToDo (created by install.py with the app's other custom fields).
CALLBACK_FIELDS = [
	{
		"fieldname": NUMBER_FIELD,
		"label": "Call-back Number",
		"fieldtype": "Data",
		"options": "Phone",
		"insert_after": CALL_LINK_FIELD,
		# Read as calls' raw numbers are (masked users do not get it; see masking/viewers.py).
		"permlevel": NUMBER_PERMLEVEL,
		"read_only": 1,
		"no_copy": 1,
		"search_index": 1,
		"in_standard_filter": 1,
	},
	{
		"fieldname": COUNT_FIELD,
		"label": "Missed Calls",
		"fieldtype": "Int",
		"insert_after": NUMBER_FIELD,
		"read_only": 1,
		"no_copy": 1,
		# Every call-back counts one missed call at least; its number is not everyone's to read.
		"depends_on": COUNT_FIELD,
	},
	{
		"fieldname": LAST_MISSED_FIELD,
		"label": "Last Missed At",
		"fieldtype": "Datetime",
		"insert_after": COUNT_FIELD,
		"read_only": 1,
		"no_copy": 1,
		"depends_on": COUNT_FIELD,
	},
]


class CallbackFieldsError(frappe.PermissionError):
	"""Someone other than the app tried to write what makes a ToDo a call-back."""


@dataclass(frozen=True)
class MissedCalls:
	count: int
	first_at: datetime
	last_at: datetime
	last_wait: int  # seconds the last caller waited


def callback_writes():
	"""Marks the ToDo writes inside as the app's (request-local: nothing a request sends can set it)."""
	return request_flag(_CALLBACK_WRITES)


def guard_callback_fields(todo, method=None) -> None:
	"""ToDo hook (validate): the call-back's own fields change only through the app."""
	if has_request_flag(_CALLBACK_WRITES):
		return
	stored = None if todo.is_new() else todo.get_doc_before_save()
	changed = [
		field for field in OWN_FIELDS if _value(todo, field) != (_value(stored, field) if stored else None)
	]
	if changed:
		frappe.throw(
			_("{0}: set by the app for call-backs, cannot be changed").format(
				", ".join(_(todo.meta.get_label(field)) for field in changed)
			),
			CallbackFieldsError,
			title=_("Not allowed"),
		)


def _value(todo, field: str):
	"""The field's value as stored (a form sends datetimes as strings, numbers as text)."""
	value = todo.get(field)
	if value is None or value == "":
		return None
	return cast(todo.meta.get_field(field).fieldtype, value) or None


def record_missed(call) -> None:
	"""Count the missed `call` in its number's open call-back, or open one. Repeated: no change."""
	number = call.external_number
	todo = open_callback(number)
	if not todo:
		_open(call)
	elif not _is_linked(call, todo):
		append_link(call, TODO, todo)
		_refresh(frappe.get_doc(TODO, todo))


def close_by(call) -> None:
	"""Close the number's open call-back: `call` reached the caller after their last missed call."""
	todo = open_callback(call.external_number)
	if not todo:
		return
	doc = frappe.get_doc(TODO, todo)
	if get_datetime(call.answered_at) < get_datetime(doc.get(LAST_MISSED_FIELD)):
		return
	append_link(call, TODO, todo)
	doc.status = "Closed"
	with callback_writes():
		doc.save(ignore_permissions=True)
	doc.add_comment("Comment", _closed_by(call))


def answered_since(number: str, moment: datetime) -> bool:
	"""Whether a call with `number` was answered after `moment` (a missed call it already took care of)."""
	return bool(
		frappe.db.sql(
			"""select 1 from `tabTelephony Call Log`
			where external_number = %s and answered_at is not null and answered_at >= %s limit 1""",
			(number, moment),
		)
	)


def missed_calls_of(todo: str, number: str) -> MissedCalls | None:
	"""What the call-back stands for, from the calls themselves: its missed calls of its number."""
	rows = frappe.db.sql(
		"""select c.started_at, c.ring_duration from `tabTelephony Call Log` c
		join `tabTelephony Call Link` l on l.parent = c.name and l.parenttype = %s
		where l.link_doctype = %s and l.link_name = %s and c.external_number = %s and c.status = 'Missed'
		order by c.started_at""",
		(CALL_DOCTYPE, TODO, todo, number),
	)
	if not rows:
		return None
	return MissedCalls(len(rows), rows[0][0], rows[-1][0], rows[-1][1] or 0)


def _open(call) -> None:
	assignee = assignee_for(call.external_number, call.started_at)
	reference_type, reference_name = _reference(call)
	missed = MissedCalls(1, call.started_at, call.started_at, call.ring_duration or 0)
	todo = frappe.get_doc(
		{
			"doctype": TODO,
			"status": "Open",
			"allocated_to": assignee.user,
			"reference_type": reference_type,
			"reference_name": reference_name,
			"description": _description(call.external_number, call.caller_name, missed),
			# Its after_insert hook adds the ToDo to the call's links.
			CALL_LINK_FIELD: call.name,
			NUMBER_FIELD: call.external_number,
			COUNT_FIELD: missed.count,
			LAST_MISSED_FIELD: missed.last_at,
		}
	)
	with callback_writes():
		todo.insert(ignore_permissions=True)
	todo.add_comment("Info", _why_assigned(assignee))


def _refresh(todo) -> None:
	missed = missed_calls_of(todo.name, todo.get(NUMBER_FIELD))
	caller = frappe.db.get_value(CALL_DOCTYPE, todo.get(CALL_LINK_FIELD), "caller_name")
	todo.update(
		{
			"description": _description(todo.get(NUMBER_FIELD), caller, missed),
			COUNT_FIELD: missed.count,
			LAST_MISSED_FIELD: missed.last_at,
		}
	)
	with callback_writes():
		todo.save(ignore_permissions=True)


def _reference(call) -> tuple[str, str]:
	for doctype, name in (("Customer", call.customer), ("Contact", call.contact), ("Lead", call.lead)):
		if name:
			return doctype, name
	return CALL_DOCTYPE, call.name


def _is_linked(call, todo: str) -> bool:
	return any(row.link_doctype == TODO and row.link_name == todo for row in call.links)


def describe_open_callbacks() -> None:
	"""Rewrite the open call-backs' descriptions: the numbers' masking changed."""
	for todo in frappe.get_all(
		TODO, {NUMBER_FIELD: ("is", "set"), "status": "Open"}, ["name", NUMBER_FIELD, CALL_LINK_FIELD]
	):
		missed = missed_calls_of(todo.name, todo[NUMBER_FIELD])
		if missed:
			caller = frappe.db.get_value(CALL_DOCTYPE, todo[CALL_LINK_FIELD], "caller_name")
			description = _description(todo[NUMBER_FIELD], caller, missed)
			frappe.db.set_value(TODO, todo.name, "description", description, update_modified=False)


def _description(number: str, caller: str | None, missed: MissedCalls) -> str:
	# Everyone the ToDo is shared with reads the description, masked users too.
	shown = shared_number(number)
	who = f"{shown} ({caller})" if caller and shown else shown or caller or _("the caller")
	if missed.count == 1:
		when = _("Missed call at {0}, the caller waited {1} s.").format(
			format_datetime(missed.last_at), missed.last_wait
		)
	else:
		when = _("Missed {0} times since {1}; the last call at {2}, the caller waited {3} s.").format(
			missed.count, format_datetime(missed.first_at), format_datetime(missed.last_at), missed.last_wait
		)
	return f"<p>{escape_html(_('Call back {0}').format(who))}</p><p>{escape_html(when)}</p>"


def _why_assigned(assignee: Assignee) -> str:
	"""Whom the call-back went to and why: for its assignee, and for whoever looks after the fallback."""
	why = {
		ACCOUNT_MANAGER: _("the customer's Account Manager"),
		LEAD_OWNER: _("the Lead Owner"),
		CONTACT_OWNER: _("the contact's owner"),
		LAST_TALKED: _("the last to talk with the number, within the Last Talker Window"),
		FALLBACK: _("nobody is responsible for the number: the fallback for missed calls"),
		AFTER_HOURS: _("nobody is responsible for the number: the after-hours fallback"),
		UNASSIGNED: _("nobody is responsible for the number and no fallback is set in Telephony Settings"),
	}[assignee.reason]
	if not assignee.user:
		return escape_html(_("Not assigned: {0}").format(why))
	return escape_html(_("Assigned to {0}: {1}").format(get_fullname(assignee.user), why))


def _closed_by(call) -> str:
	"""The comment on the closed call-back: which call reached the caller, when, and who talked."""
	user = call.answered_by or call.agent
	details = _("{0} call, answered at {1}").format(_(call.direction), format_datetime(call.answered_at))
	if user:
		details += " " + _("by {0}").format(get_fullname(user))
	return _("Closed by call {0}: {1}").format(
		get_link_to_form(CALL_DOCTYPE, call.name), escape_html(details)
	)
