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

from telephony_crm.calls.engine import CallResult, process_event
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
			except (frappe.UniqueValidationError, frappe.DuplicateEntryError, frappe.QueryDeadlockError):
				# Only reachable when something wrote the call without the lock; the unique key kept it
				# to one record, so read it again and apply the event there.
				frappe.db.rollback()
				frappe.local.message_log = []
				if attempt == _RETRIES - 1:
					raise
			except Exception:
				frappe.db.rollback()
				raise


@contextmanager
def call_lock(provider: str, call_id: str):
	# Named locks are per connection and outlive transactions, so they can be held across the commit.
	name = "telephony_crm:" + hashlib.sha1(f"{provider}\n{call_id}".encode()).hexdigest()
	started = time.monotonic()
	acquired = frappe.db.sql("SELECT GET_LOCK(%s, %s)", (name, LOCK_TIMEOUT_SECONDS))[0][0]
	if acquired != 1:
		raise CallBusyError(
			_("Call {0} is being updated by another request for over {1} s; try again").format(
				call_id, round(time.monotonic() - started)
			)
		)
	try:
		# Start the call's transaction only now that no other worker is inside it: a read view opened
		# earlier could miss the last commit of the worker before.
		frappe.db.commit()
		yield
	finally:
		frappe.db.sql("SELECT RELEASE_LOCK(%s)", (name,))
