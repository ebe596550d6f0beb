"""Row-level permissions: how far each of a user's telephony rights reaches (Telephony Settings → Role
Rights): their own calls, their department's, all calls, or none.

Role permissions (DocPerm) decide which actions a role has at all; these hooks narrow them to rows.
Frappe applies them to list and report views, get_list, form loads, REST, export and delete. They decide
from the stored record, never from the values a request brings: a request that sets `agent` to its own
user does not make the call theirs.

A call is a user's own for seeing and hearing when they took part in it (it rang them, they answered or
placed it: the engine records them among its participants); for deleting, when it is theirs (its agent,
or who answered it).
"""

import frappe
from frappe.utils.caching import request_cache

from telephony_crm.request_flags import has_request_flag, request_flag
from telephony_crm.rights.departments import department_users
from telephony_crm.rights.scopes import (
	ALL,
	CALLS,
	DELETE_CALLS,
	DELETE_RECORDINGS,
	DEPARTMENT,
	NONE,
	scope,
)
from telephony_crm.roles import sees_all_calls

CALL_DOCTYPE = "Telephony Call Log"
PARTICIPANT_DOCTYPE = "Telephony Call Participant"
# Calls of the users a scope reaches are listed by reading all calls in order when they are at least
# this share of all calls (and at least MIN_MANY_CALLS): a page then needs few reads to find its rows.
MANY_CALLS_SHARE = 0.01
MIN_MANY_CALLS = 2000
# Set while the reports build their conditions (for_whole_sets).
_WHOLE_SETS = "telephony_whole_sets"
# Rights over a call that follow whose call it is, not who took part in it.
_BY_AGENT = (DELETE_CALLS, DELETE_RECORDINGS)


def call_log_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	reach = scope(CALLS, user)
	if reach == ALL:
		return ""
	if reach == NONE:
		return "1 = 0"
	# The engine records the agent and who answered among the participants too.
	return participants_condition(reached_users(reach, user))


def participants_condition(users: tuple[str, ...]) -> str:
	"""Calls one of `users` took part in, as a condition on the call log.

	Only calls have participants. Few such calls (an agent's, a small team's) are found through the
	participants' index and looked up one by one; many (a large department's) are read in the list's
	order and each one's participants checked, so that a page needs only its first matches and never
	sorts the department's whole history."""
	listed = ", ".join(frappe.db.escape(member) for member in users)
	if has_request_flag(_WHOLE_SETS) or _calls_of_fewer_than(users, _many_calls()):
		return (
			"`tabTelephony Call Log`.`name` in (select `parent` from `tabTelephony Call Participant`"
			f" where `user` in ({listed}))"
		)
	return (
		"(select count(*) from `tabTelephony Call Participant` as `participant`"
		" where `participant`.`parent` = `tabTelephony Call Log`.`name`"
		f" and `participant`.`user` in ({listed})) > 0"
	)


def for_whole_sets():
	"""The conditions built inside are for figures over whole sets of calls (the reports), not for a page
	of a list: the same calls, always found through the participants' index, which MariaDB joins once
	instead of checking each call of the period (a department's month: 1 s rather than 3)."""
	return request_flag(_WHOLE_SETS)


@request_cache
def _many_calls() -> int:
	return max(MIN_MANY_CALLS, int(frappe.db.estimate_count(CALL_DOCTYPE) * MANY_CALLS_SHARE))


@request_cache
def _calls_of_fewer_than(users: tuple[str, ...], limit: int) -> bool:
	# At most `limit` entries of the (user, parent) index are read.
	return (
		frappe.db.sql(
			"""select count(*) from (select 1 from `tabTelephony Call Participant`
			where `user` in %s limit %s) as `calls`""",
			(users, limit),
		)[0][0]
		< limit
	)


def call_log_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	right = DELETE_CALLS if ptype == "delete" else CALLS
	if scope(right, user) == ALL:
		return True
	name = doc.get("name")
	if not name or not frappe.db.exists(CALL_DOCTYPE, name):
		# Calls are created by the call engine alone (without permission checks).
		return False
	return reaches(name, right, user)


def reaches(call: str, right: str, user: str | None = None) -> bool:
	"""Whether `user`'s `right` reaches the stored call `call`."""
	user = user or frappe.session.user
	reach = scope(right, user)
	if reach in (ALL, NONE):
		return reach == ALL
	users = reached_users(reach, user)
	if right in _BY_AGENT:
		return bool(
			set(users).intersection(frappe.db.get_value(CALL_DOCTYPE, call, ["agent", "answered_by"]))
		)
	return bool(
		frappe.db.exists(
			PARTICIPANT_DOCTYPE, {"parenttype": CALL_DOCTYPE, "parent": call, "user": ("in", users)}
		)
	)


def reached_users(reach: str, user: str) -> tuple[str, ...]:
	"""Whose calls a scope of OWN or DEPARTMENT reaches."""
	return department_users(user) if reach == DEPARTMENT else (user,)


def is_participant(call: str, user: str) -> bool:
	return bool(
		frappe.db.exists(PARTICIPANT_DOCTYPE, {"parenttype": CALL_DOCTYPE, "parent": call, "user": user})
	)


def sip_account_query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if sees_all_calls(user):
		return ""
	return f"(`tabSIP Account`.`user` = {frappe.db.escape(user)})"


def sip_account_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if sees_all_calls(user):
		return True
	# The stored owner of the line, not the one a request may be trying to give it.
	stored_user = frappe.db.get_value("SIP Account", doc.get("name"), "user") if doc.get("name") else None
	return stored_user == user
