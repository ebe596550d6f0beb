"""The one place the app publishes to the desk: a namespaced event, to named users, after commit."""

import frappe

from telephony_crm.availability.popups import popup_recipients
from telephony_crm.calls.summary import call_state
from telephony_crm.masking import call_for_user
from telephony_crm.rights.scopes import CALLS, NONE, scope

CALL_EVENT = "telephony_crm:call"


def publish_call(call) -> None:
	"""Tell the users the call concerns (and nobody else) its new state, once the change is committed."""
	state = call_state(call)
	for user in call_recipients(call):
		# Each recipient gets the number as they may see it (masked, or not at all).
		frappe.publish_realtime(CALL_EVENT, call_for_user(state, user), user=user, after_commit=True)


def call_recipients(call) -> set[str]:
	"""The call's participants: its agent, who answered it, and everyone whose extension rang for it,
	but for agents Away, on Do Not Disturb or Offline when a group call rings (see availability.popups),
	and for users whose rights reach no calls at all.

	Those whose phone rang follow the call to its end, so their popups close when a colleague answers
	or the caller hangs up."""
	participants = {row.user for row in call.get("participants") or () if row.user}
	return popup_recipients(call, {user for user in participants if scope(CALLS, user) != NONE})
