"""The one place the app publishes to the desk: a namespaced event, to named users, after commit."""

import frappe

from telephony_crm.calls.summary import call_summary

CALL_EVENT = "telephony_crm:call"


def publish_call(call) -> None:
	"""Tell the users the call concerns (and nobody else) its new state, once the change is committed."""
	summary = call_summary(call)
	for user in call_recipients(call):
		frappe.publish_realtime(CALL_EVENT, summary, user=user, after_commit=True)


def call_recipients(call) -> set[str]:
	"""The call's participants: its agent, who answered it, and everyone whose extension rang for it.

	Those whose phone rang follow the call to its end, so their popups close when a colleague answers
	or the caller hangs up."""
	return {row.user for row in call.get("participants") or () if row.user}
