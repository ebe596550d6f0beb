"""The call-back job: a number's open call-back brought up to date with one of its calls.

A number's missed calls may end at once in two workers. Each job takes the number's lock and only then
starts its transaction, so the second sees the call-back the first made and counts its call there.
"""

import hashlib
from contextlib import contextmanager

import frappe

from telephony_crm.callbacks.assignment import applies_to
from telephony_crm.callbacks.follow import is_missed
from telephony_crm.callbacks.todo import answered_since, close_by, record_missed
from telephony_crm.calls.engine import CALL_DOCTYPE

LOCK_TIMEOUT_SECONDS = 30


def sync_callback(call: str) -> None:
	"""Job: bring the call's number's call-back up to date with the call (idempotent)."""
	number = frappe.db.get_value(CALL_DOCTYPE, call, "external_number")
	if not number:
		return
	with _as_the_app(), _number_lock(number):
		doc = frappe.get_doc(CALL_DOCTYPE, call)
		if doc.external_number != number:
			return  # identified anew meanwhile; the job queued by that change follows it
		if is_missed(doc):
			if applies_to(doc.provider) and not answered_since(number, doc.started_at):
				record_missed(doc)
		elif doc.answered_at:
			close_by(doc)
		frappe.db.commit()


@contextmanager
def _number_lock(number: str):
	"""Hold the number's lock (MariaDB's named lock, across workers), in a transaction begun after it."""
	name = "telephony_crm:callback:" + hashlib.sha1(number.encode()).hexdigest()
	if frappe.db.sql("SELECT GET_LOCK(%s, %s)", (name, LOCK_TIMEOUT_SECONDS))[0][0] != 1:
		raise frappe.QueryTimeoutError(
			f"The call-back of {number} stayed locked for {LOCK_TIMEOUT_SECONDS} s"
		)
	try:
		frappe.db.commit()
		yield
	finally:
		frappe.db.rollback()
		frappe.db.sql("SELECT RELEASE_LOCK(%s)", (name,))


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
