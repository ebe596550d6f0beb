"""What follows a change of a call: each concern (recording copies, ...) reacts in a module of its own.

The engine calls `after_call_change` after every event that changed a call, inside the event's
transaction. A follower that fails must not lose the event: its writes are rolled back to a savepoint,
the failure is logged against the call, and the event is committed all the same. Followers are called
on every change, so each one decides from the call's stored state and does its work once.
"""

import frappe

from telephony_crm.availability.on_call import follow_call
from telephony_crm.callbacks.follow import follow_missed_calls
from telephony_crm.caller_id.unknown_callers import follow_unknown_caller
from telephony_crm.onboarding import follow_first_call
from telephony_crm.recordings.queue import copy_if_due

FOLLOWERS = (copy_if_due, follow_unknown_caller, follow_missed_calls, follow_call, follow_first_call)
_SAVEPOINT = "telephony_call_followup"


def after_call_change(call) -> None:
	for follower in FOLLOWERS:
		frappe.db.savepoint(_SAVEPOINT)
		try:
			follower(call)
		except Exception:
			frappe.db.rollback(save_point=_SAVEPOINT)
			frappe.log_error(
				title=f"Telephony: {follower.__module__}.{follower.__name__} failed for call {call.name}",
				reference_doctype=call.doctype,
				reference_name=call.name,
			)
