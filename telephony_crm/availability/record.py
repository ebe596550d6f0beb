"""The one writer of agents' statuses: each change made under the agent's lock, logged and told to the
desk when the status changes.

The agent's choice, a supervisor's, their calls, their desk's heartbeat and the scheduler may change one
agent at the same moment from different workers. Each takes the agent's named lock, held until its
transaction ends, and reads the record as last committed (FOR UPDATE), so none decides from a stale
copy: two calls of one agent, answered and ended at once by two workers, leave them Busy while either
lasts. The lock is a named one because the record may not exist yet: locking a missing row takes a gap
lock, and two agents' first records in the same gap would deadlock on it.
"""

import hashlib
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.model.naming import set_new_name
from frappe.utils import get_datetime, now_datetime

from telephony_crm.availability.board import forget_supervisors, publish_agent
from telephony_crm.availability.status import (
	AVAILABLE,
	BUSY,
	CHANGE_DOCTYPE,
	OFFLINE,
	OFFLINE_AFTER_MINUTES,
	STATUS_DOCTYPE,
)

# Why a status changed: the log's Reason.
CHOSEN = "Chosen by the Agent"
SET_BY_SUPERVISOR = "Set by a Supervisor"
CALL = "Call"
DESK_CLOSED = "Desk Closed"
DESK_OPENED = "Desk Opened"
# A call the PBX said nothing about for long (on_call.release_stale_calls).
CALL_WITHOUT_END = "Call Without End"

LOCK_TIMEOUT_SECONDS = 10
_STORED = ("status", "since", "chosen_status", "last_seen", "active_calls")


class AgentLockedError(frappe.ValidationError):
	http_status_code = 503


def change_agent(
	user: str, change, reason: str, changed_by: str | None = None, call: str | None = None
) -> frappe._dict:
	"""Apply `change(record)` to the user's record (its `active_calls` a list of call names) and set the
	status it leads to. A new status is logged with `reason`, `changed_by` and `call`; a new status or
	new calls are told to the agent and the supervisors. Returns the record."""
	_lock(user)
	record = _load_for_update(user)
	before = frappe._dict(record, active_calls=list(record.active_calls))
	change(record)
	now = now_datetime()
	record.status = shown_status(record, now)
	if record.status != before.status:
		record.since = now
	_save(user, before, record)
	if record.status != before.status:
		_log(user, before.status, record.status, now, reason, changed_by, call)
	if record.status != before.status or record.active_calls != before.active_calls:
		publish_agent(user)
	return record


def shown_status(record, now: datetime) -> str:
	"""Busy while on a call; else Offline once the desk has been closed a while; else what they chose.
	A desk that never sent a heartbeat is not closed (see status.py)."""
	if record.active_calls:
		return BUSY
	if desk_closed(record.last_seen, now):
		return OFFLINE
	return record.chosen_status or AVAILABLE


def desk_closed(last_seen, now: datetime) -> bool:
	return bool(last_seen) and get_datetime(last_seen) < offline_cutoff(now)


def offline_cutoff(now: datetime) -> datetime:
	"""Desks last seen before this are closed."""
	return now - timedelta(minutes=OFFLINE_AFTER_MINUTES)


def _lock(user: str) -> None:
	name = "telephony_crm:agent:" + hashlib.sha1(user.encode()).hexdigest()
	if frappe.db.sql("SELECT GET_LOCK(%s, %s)", (name, LOCK_TIMEOUT_SECONDS))[0][0] != 1:
		raise AgentLockedError(
			_("The status of {0} is being changed by another request; try again").format(user)
		)
	release = lambda: frappe.db.sql("SELECT RELEASE_LOCK(%s)", (name,))  # noqa: E731
	frappe.db.after_commit.add(release)
	frappe.db.after_rollback.add(release)


def _load_for_update(user: str) -> frappe._dict:
	if not frappe.db.exists(STATUS_DOCTYPE, user):
		# A user's first record counts them as what they were without one: Available.
		now = now_datetime()
		frappe.db.sql(
			"""insert ignore into `tabTelephony Agent Status`
			(name, user, status, chosen_status, since, creation, modified, owner, modified_by)
			values (%(user)s, %(user)s, %(status)s, %(status)s, %(now)s, %(now)s, %(now)s, %(user)s, %(user)s)""",
			{"user": user, "status": AVAILABLE, "now": now},
		)
	record = frappe.db.sql(
		f"select {', '.join(_STORED)} from `tabTelephony Agent Status` where name = %s for update",
		(user,),
		as_dict=True,
	)[0]
	record.active_calls = (record.active_calls or "").split()
	return record


def _save(user: str, before: frappe._dict, record: frappe._dict) -> None:
	changed = {
		field: "\n".join(record[field]) if field == "active_calls" else record[field]
		for field in _STORED
		if record[field] != before[field]
	}
	if changed:
		# A heartbeat alone is no change to the record's history.
		frappe.db.set_value(
			STATUS_DOCTYPE, user, changed, update_modified=bool(changed.keys() - {"last_seen"})
		)


def _log(user, from_status, to_status, at, reason, changed_by, call) -> None:
	entry = frappe.get_doc(
		{
			"doctype": CHANGE_DOCTYPE,
			"user": user,
			"from_status": from_status,
			"to_status": to_status,
			"changed_at": at,
			"reason": reason,
			"changed_by": changed_by,
			"call": call,
		}
	)
	# Every value is the app's own (the user's record, a status, the engine's call): no validation to run
	# on the call engine's path.
	set_new_name(entry)
	entry.owner = entry.modified_by = changed_by or "Administrator"
	entry.creation = entry.modified = at
	entry.db_insert()


def forget_user(doc, method=None) -> None:
	"""User on_trash: their status and its history go with them."""
	for doctype in (STATUS_DOCTYPE, CHANGE_DOCTYPE):
		frappe.db.delete(doctype, {"user": doc.name})
	forget_supervisors()
