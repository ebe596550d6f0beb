"""The call-back job: a number's open call-back brought up to date with one of its calls.

A number's missed calls may end at once in two workers. Each job takes the number's lock and only then
starts its transaction, so the second sees the call-back the first made and counts its call there. A job
that cannot have the lock in time leaves its call marked (follow.py), to be queued again a minute later:
the call is counted late, never lost.
"""

import hashlib
from contextlib import contextmanager

import frappe

from telephony_crm.callbacks.assignment import applies_to
from telephony_crm.callbacks.fields import PENDING_FIELD
from telephony_crm.callbacks.follow import is_missed
from telephony_crm.callbacks.todo import answered_since, close_by, record_missed
from telephony_crm.calls.engine import CALL_DOCTYPE

LOCK_TIMEOUT_SECONDS = 30


def sync_callback(call: str) -> None:
	"""Job: bring the call's number's call-back up to date with the call (idempotent), and unmark it."""
	stored = frappe.db.get_value(CALL_DOCTYPE, call, ["external_number", "modified"], as_dict=True)
	if not stored:
		return  # deleted meanwhile
	if not stored.external_number:
		_unmark(call, stored.modified)
		frappe.db.commit()
		return
	with _as_the_app(), _number_lock(stored.external_number) as locked:
		if not locked:
			frappe.logger("telephony_crm").info(
				f"call-back of call {call}: its number stayed locked for {LOCK_TIMEOUT_SECONDS} s; queued again"
			)
			return
		doc = frappe.get_doc(CALL_DOCTYPE, call)
		if doc.external_number != stored.external_number:
			return  # identified anew meanwhile: still marked, the next job follows the new number
		_unmark(call, doc.modified)
		if is_missed(doc):
			if applies_to(doc.provider) and not answered_since(doc.external_number, doc.started_at):
				record_missed(doc)
		elif doc.answered_at:
			close_by(doc)
		frappe.db.commit()


def _unmark(call: str, seen_modified) -> None:
	"""Unmark the call in the job's transaction (a failure puts the mark back), unless an event changed
	it since the job read it: that event's job may have been left out as a duplicate of this one."""
	frappe.db.sql(
		f"update `tab{CALL_DOCTYPE}` set {PENDING_FIELD} = 0 where name = %s and modified = %s",
		(call, seen_modified),
	)


@contextmanager
def _number_lock(number: str):
	"""Hold the number's lock (MariaDB's named lock, across workers), in a transaction begun after it.
	Yields whether the lock was had."""
	name = number_lock_name(number)
	if frappe.db.sql("SELECT GET_LOCK(%s, %s)", (name, LOCK_TIMEOUT_SECONDS))[0][0] != 1:
		yield False
		return
	try:
		frappe.db.commit()
		yield True
	finally:
		frappe.db.rollback()
		frappe.db.sql("SELECT RELEASE_LOCK(%s)", (name,))


def number_lock_name(number: str) -> str:
	return "telephony_crm:callback:" + hashlib.sha1(number.encode()).hexdigest()


@contextmanager
def _as_the_app():
	"""The job acts for the app, whoever's request queued it (a PBX's webhook runs as Guest): the
	call-back's activity and its assignment are the system's."""
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		yield
	finally:
		frappe.set_user(user)
