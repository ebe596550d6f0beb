"""Masked users may not find numbers by filtering, sorting or searching calls on the raw numbers, nor
call-backs (ToDo) on their number.

Frappe hides fields a user may not read (permission levels) from what list, report, REST and export
requests return, but not from their filters and sort order: `external_number like '+7916%'` would
tell a masked user the number digit by digit. Every request about calls, their events or ToDos (by its
`doctype` argument or its /api/resource or /api/v2 path) that names a raw number field of its doctype in
a filter, sort, group or search argument is refused with a 403 for those who may not read the numbers.
The check runs once the request's user is known (auth_hooks), before any endpoint.

The raw number fields such a request asks for are dropped from it too: Frappe v15's list query drops
unreadable fields while it walks the list of them, and so skips the field after each one it drops
(`fields=["external_number", "caller_number"]` would return the caller's number).
"""

import re
from urllib.parse import unquote

import frappe
from frappe import _

from telephony_crm.callbacks.fields import NUMBER_FIELD, TODO
from telephony_crm.masking import MASKED_COPIES, NUMBER_PERMLEVEL

CALL_DOCTYPE = "Telephony Call Log"
# The raw number fields of each doctype (a call's events have its numbers' names), read at NUMBER_PERMLEVEL.
_RAW_NUMBERS = {
	CALL_DOCTYPE: tuple(MASKED_COPIES),
	"Telephony Call Event": tuple(MASKED_COPIES),
	TODO: (NUMBER_FIELD,),
}
# The arguments Frappe's list, report, count, group-by, export, get_value and search endpoints
# filter, sort or search by (the fields they return are stripped by permission level already).
QUERY_ARGUMENTS = (
	"filters",
	"or_filters",
	"current_filters",
	"order_by",
	"sort_by",
	"group_by",
	"field",
	"searchfield",
	"search_fields",
)
# The arguments that name the fields to return (list, report and export; get_value's `fieldname`).
FIELD_ARGUMENTS = ("fields", "fieldname")
_PATHS = ("/api/resource/", "/api/v2/document/", "/api/v2/doctype/")


def refuse_number_filters() -> None:
	"""auth_hooks: a 403 for a request that filters, sorts or searches calls (or call-backs) by their raw
	numbers, from a user who may not read them."""
	doctype = _guarded_doctype()
	if not doctype or may_read_numbers():
		return
	raw_number = re.compile(r"\b({})\b".format("|".join(_RAW_NUMBERS[doctype])))
	_drop_number_fields(raw_number)
	named = sorted(
		{
			match
			for argument in QUERY_ARGUMENTS
			if (value := frappe.form_dict.get(argument))
			for match in raw_number.findall(value if isinstance(value, str) else frappe.as_json(value))
		}
	)
	if not named:
		return
	if doctype == TODO:
		message = _(
			"Your numbers are masked: call-backs cannot be filtered, sorted or searched by their number. "
			"Use their Missed Calls, their reference or their assignee instead."
		)
	else:
		message = _(
			"Your numbers are masked: calls cannot be filtered, sorted or searched by {0}. "
			"Use the masked copies, the caller or the linked customer instead."
		).format(", ".join(named))
	frappe.throw(message, frappe.PermissionError, title=_("Numbers are masked"))


def _drop_number_fields(raw_number: re.Pattern) -> None:
	for argument in FIELD_ARGUMENTS:
		value = frappe.form_dict.get(argument)
		fields = frappe.parse_json(value) if isinstance(value, str) and value.startswith("[") else value
		if isinstance(fields, list | tuple):
			kept = [field for field in fields if not raw_number.search(str(field))] or ["name"]
			frappe.form_dict[argument] = frappe.as_json(kept) if isinstance(value, str) else kept


def may_read_numbers(user: str | None = None) -> bool:
	"""Whether `user` reads the raw numbers of the calls (and call-backs) they see (NUMBER_PERMLEVEL)."""
	user = user or frappe.session.user
	return user == "Administrator" or NUMBER_PERMLEVEL in frappe.get_meta(CALL_DOCTYPE).get_permlevel_access(
		"read", user=user
	)


def _guarded_doctype() -> str | None:
	"""The doctype with raw numbers the request is about, if any."""
	request = getattr(frappe.local, "request", None)
	if not request or frappe.session.user == "Guest":
		return None
	for argument in ("doctype", "parent"):
		if (doctype := frappe.form_dict.get(argument)) in _RAW_NUMBERS:
			return doctype
	path = unquote(request.path)
	return next(
		(doctype for prefix in _PATHS for doctype in _RAW_NUMBERS if path.startswith(f"{prefix}{doctype}")),
		None,
	)
