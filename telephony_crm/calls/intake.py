"""The way in for entry points (webhook requests, PBX connectors): one event, one transaction.

Events of one call are processed one at a time across all web workers and processes, under a MariaDB
named lock held until the transaction commits. Row locks would not do: locking a call that does not
exist yet takes gap locks, and concurrent first events of different calls then deadlock each other.
"""

import hashlib
import time
from contextlib import contextmanager

import frappe
from frappe import _

from telephony_crm.calls.engine import CALL_DOCTYPE, CallResult, engine_writes, process_event, save_call
from telephony_crm.calls.events import CallEvent

LOCK_TIMEOUT_SECONDS = 10
_RETRIES = 3


class CallBusyError(frappe.ValidationError):
	http_status_code = 503


def commit_event(event: CallEvent) -> CallResult:
	"""Process `event` in a transaction of its own and commit it (whatever the caller wrote before is
	committed when the lock is taken)."""
	with call_lock(event.provider, event.call_id):
		for attempt in range(_RETRIES):
			try:
				result = process_event(event)
				frappe.db.commit()
				return result
			except (
				frappe.UniqueValidationError,
				frappe.DuplicateEntryError,
				frappe.QueryDeadlockError,
				frappe.TimestampMismatchError,
			):
				# Something wrote the call without the lock (a person saving the call's form, say); the
				# unique key and Frappe's version check kept it whole, so read it again and apply the event.
				frappe.db.rollback()
				frappe.local.message_log = []
				if attempt == _RETRIES - 1:
					raise
			except Exception:
				frappe.db.rollback()
				raise


def update_call(name: str, change, by_engine: bool = False):
	"""Apply `change(call)` to the call as last committed and save it, holding the call's lock until the
	transaction ends (the request's commit), so that no event of the call is processed in between.

	`by_engine`: the change is one of the call's facts (the caller identified anew)."""
	provider, call_id = frappe.db.get_value(CALL_DOCTYPE, name, ["provider", "call_id"]) or (None, None)
	if not provider:
		raise frappe.DoesNotExistError(_("Call {0} not found").format(name))
	call_lock_until_commit(provider, call_id, fresh_view=True)
	# The row lock keeps a person's save of the call's form from crossing this one.
	call = frappe.get_doc(CALL_DOCTYPE, name, for_update=True)
	change(call)
	if by_engine:
		with engine_writes():
			save_call(call)
	else:
		call.save()
	return call


def call_lock_until_commit(provider: str, call_id: str, fresh_view: bool = False) -> None:
	"""Take the call's lock and hold it until the transaction ends.

	`fresh_view` first commits what the transaction holds, so that it reads the last committed state;
	writers inside a transaction with other work in it (a new document's insert) only append."""
	name = _lock_name(provider, call_id)
	_acquire(name)
	if fresh_view:
		frappe.db.commit()
	release = lambda: frappe.db.sql("SELECT RELEASE_LOCK(%s)", (name,))  # noqa: E731
	frappe.db.after_commit.add(release)
	frappe.db.after_rollback.add(release)


@contextmanager
def call_lock(provider: str, call_id: str):
	"""Hold the call's lock: no other event of the call is processed meanwhile, by any worker."""
	name = _lock_name(provider, call_id)
	_acquire(name)
	try:
		# Start the call's transaction only now that no other worker is inside it: a read view opened
		# earlier could miss the last commit of the worker before.
		frappe.db.commit()
		yield
	finally:
		frappe.db.sql("SELECT RELEASE_LOCK(%s)", (name,))


def _lock_name(provider: str, call_id: str) -> str:
	# Named locks are per connection and outlive transactions, so they can be held across the commit.
	return "telephony_crm:" + hashlib.sha1(f"{provider}\n{call_id}".encode()).hexdigest()


def _acquire(name: str) -> None:
	started = time.monotonic()
	if frappe.db.sql("SELECT GET_LOCK(%s, %s)", (name, LOCK_TIMEOUT_SECONDS))[0][0] != 1:
		raise CallBusyError(
			_("The call is being updated by another request for over {0} s; try again").format(
				round(time.monotonic() - started)
			)
		)
