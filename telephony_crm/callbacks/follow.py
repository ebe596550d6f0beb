"""Missed calls become call-backs, and answered calls close them: the engine's follower and its job.

The follower only decides, from the call as the event left it, whether the number's call-back needs
looking at, and queues the job (sync.py) for after the commit. The ToDo is not written in the event's
transaction: its insert and save lock rows of the caller's record (Frappe keeps a ToDo's assignees on
its reference) that a person saving that record may hold for long, and the event must not wait for them.
"""

import frappe

from telephony_crm.callbacks.assignment import applies_to
from telephony_crm.callbacks.fields import PENDING_FIELD, open_callback
from telephony_crm.calls.events import CallStatus, Direction
from telephony_crm.calls.store import CALL_DOCTYPE

SYNC_JOB = "telephony_crm.callbacks.sync.sync_callback"
# Calls queued again a minute: more wait for the next minute (the jobs take about 50 ms each).
PENDING_BATCH = 500


def follow_missed_calls(call) -> None:
	"""Follower: queue the call-back's update for a missed inbound call, or for an answered call whose
	number has an open call-back."""
	if not call.external_number:
		return
	if is_missed(call) and applies_to(call.provider):
		queue_sync(call.name)
	elif call.answered_at and open_callback(call.external_number):
		queue_sync(call.name)


def is_missed(call) -> bool:
	return call.status == CallStatus.MISSED.value and call.direction == Direction.INBOUND.value


def queue_sync(call_name: str) -> None:
	"""Mark the call as waiting for its call-back's update, in the event's transaction, and queue the
	job. The mark stays until the job has done its work, so a job that could not (the number stayed
	locked, its worker died, the queue was lost) is queued again by `queue_pending_syncs`."""
	frappe.db.set_value(CALL_DOCTYPE, call_name, PENDING_FIELD, 1, update_modified=False)
	_enqueue(call_name)


def queue_pending_syncs() -> None:
	"""Scheduler, every minute: queue again the jobs of calls still marked (one already queued or
	running is not queued twice)."""
	for call_name in frappe.get_all(CALL_DOCTYPE, {PENDING_FIELD: 1}, pluck="name", limit=PENDING_BATCH):
		_enqueue(call_name)


def _enqueue(call_name: str) -> None:
	# One job per call at a time; it reads the call as committed, so a queued one covers later changes.
	frappe.enqueue(
		SYNC_JOB,
		job_id=f"telephony_crm:callback:{call_name}",
		deduplicate=True,
		enqueue_after_commit=True,
		call=call_name,
	)
