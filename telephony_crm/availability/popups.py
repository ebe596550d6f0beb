"""Who gets a call's popup: agents Away, on Do Not Disturb or Offline get none for a group call (one
that rang more than one extension: a queue, a ring group), whoever answered it always does, and a call
rung to one agent alone reaches them whatever their status.

Someone shown a call keeps being told of it to its end, whatever their status since, so that their
popup closes when a colleague answers or the caller hangs up: the users told of each call are kept in
Redis for a day (as long as a popup comes back after a reload)."""

import frappe
import redis

from telephony_crm.availability.status import AWAY, BUSY, DND, OFFLINE
from telephony_crm.calls.events import EventType

MUTED_STATUSES = (AWAY, DND, OFFLINE)
TOLD_SECONDS = 24 * 60 * 60


def popup_recipients(call, participants: set[str]) -> set[str]:
	"""Those of the call's `participants` its popup goes to now (and who is told is remembered)."""
	told = _told(call.name)
	recipients = participants
	if is_group_call(call):
		recipients = participants - _muted(participants - told - {call.answered_by})
	_remember(call.name, recipients - told)
	return recipients


def is_group_call(call) -> bool:
	rang = {row.extension for row in call.get("events") or () if row.event == EventType.RINGING.value}
	return len(rang - {None, ""}) > 1


def _muted(users: set[str]) -> set[str]:
	"""Those of `users` who take no group calls now: Away, Do Not Disturb or Offline, or Busy having
	chosen Away or Do Not Disturb. Users without a record are Available (status.py)."""
	if not users:
		return set()
	records = frappe.db.sql(
		"select name, status, chosen_status from `tabTelephony Agent Status` where name in %s", (list(users),)
	)
	return {
		user
		for user, status, chosen in records
		if status in MUTED_STATUSES or (status == BUSY and chosen in MUTED_STATUSES)
	}


def _told_set(call: str) -> str:
	return f"telephony_crm:popup_told:{call}"


def _told(call: str) -> set[str]:
	try:
		return {user.decode() for user in frappe.cache.smembers(_told_set(call))}
	except redis.exceptions.ConnectionError:
		# Without Redis the popups follow the statuses alone: no call's event fails for it.
		return set()


def _remember(call: str, users: set[str]) -> None:
	if not users:
		return
	try:
		frappe.cache.sadd(_told_set(call), *users)
		frappe.cache.expire(frappe.cache.make_key(_told_set(call)), TOLD_SECONDS)
	except redis.exceptions.ConnectionError:
		return
