"""Transfer and hold from the desk: who may, to whom, the provider's command, and the call's history.

The engine folds what follows (the call is with whoever answered last, and everyone whose phone rang
follows it): the transfer is recorded as the target's phone ringing, so the colleague is one of the
call's participants at once and gets its popup, with the caller's context, when they answer.
"""

import frappe
from frappe import _
from frappe.utils import escape_html

from telephony_crm.availability.status import available_agents
from telephony_crm.calls.engine import CALL_DOCTYPE, CallResult
from telephony_crm.calls.events import CallEvent, CallStatus, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.calls.outbound import command_provider, run_command
from telephony_crm.calls.summary import is_on_hold, mark_on_hold
from telephony_crm.calls.times import site_now
from telephony_crm.providers.base import CallControl, LiveCall, TelephonyProvider
from telephony_crm.realtime import publish_call
from telephony_crm.roles import sees_all_calls


class CallNotInProgressError(frappe.ValidationError):
	"""The call is not (or no longer) in a state the command fits."""

	http_status_code = 409


class CallControlRefusedError(frappe.ValidationError):
	"""The provider cannot do it, or the target cannot take the call."""

	http_status_code = 422


def transfer_call(call, to_user: str, attended: bool = False) -> CallResult:
	"""Ask the provider to hand the call to `to_user`'s line, then record it in the call's history."""
	control = CallControl.ATTENDED_TRANSFER if attended else CallControl.BLIND_TRANSFER
	provider = _controllable(call, control)
	if is_on_hold(call.name):
		raise CallNotInProgressError(_("Resume call {0} before transferring it").format(call.name))
	target = target_extension(call, to_user)
	run_command(provider, provider.transfer, _live(call), target, attended)
	mode, by = "attended" if attended else "blind", frappe.session.user
	return commit_event(
		CallEvent(
			provider=call.provider,
			call_id=call.call_id,
			event=EventType.RINGING,
			time=site_now(),
			extension=target,
			raw_status=f"{mode} transfer from {call.extension} to {target} ({to_user}) by {by}",
		)
	)


def hold_call(call) -> None:
	provider = _controllable(call, CallControl.HOLD)
	run_command(provider, provider.hold, _live(call))
	_held(call, True)


def resume_call(call) -> None:
	"""Sent whatever the app remembers: the PBX knows best whether the call is held."""
	provider = _controllable(call, CallControl.HOLD)
	run_command(provider, provider.resume, _live(call))
	_held(call, False)


def transfer_targets(call) -> list[dict]:
	"""The colleagues the call may go to: agents Available now with a line on the call's provider."""
	_may_control(call)
	return available_agents(call.provider, exclude=call.answered_by or call.agent)


def target_extension(call, to_user: str) -> str:
	"""The extension of `to_user`'s enabled line on the call's provider (their lowest one there)."""
	extensions = frappe.get_all(
		"SIP Account",
		filters={"user": to_user, "provider": call.provider, "enabled": 1},
		pluck="extension",
		order_by="extension asc",
	)
	if not extensions or not frappe.db.get_value("User", to_user, "enabled"):
		raise CallControlRefusedError(
			_("{0} has no enabled SIP Account on {1}: the call cannot be transferred to them").format(
				escape_html(to_user), escape_html(call.provider)
			)
		)
	if extensions[0] == call.extension:
		raise CallControlRefusedError(
			_("Call {0} is with {1} already").format(call.name, escape_html(to_user))
		)
	return extensions[0]


def _controllable(call, control: CallControl) -> TelephonyProvider:
	"""The call's provider, once the user may do `control` to the call and the provider can."""
	_may_control(call)
	if call.status != CallStatus.IN_PROGRESS.value:
		raise CallNotInProgressError(
			_("Call {0} is {1}: only a call in progress can be transferred or put on hold").format(
				call.name, _(call.status, context=CALL_DOCTYPE)
			)
		)
	provider = command_provider(call.provider)
	if control not in provider.call_controls():
		action = _("put on hold") if control == CallControl.HOLD else _("transferred this way")
		raise CallControlRefusedError(
			_("Calls through {0} cannot be {1} from the desk").format(escape_html(call.provider), action)
		)
	return provider


def _may_control(call) -> None:
	"""The agent on the call (who answered it, or its agent) or a supervisor; decided from the record."""
	user = frappe.session.user
	if user not in (call.agent, call.answered_by) and not sees_all_calls(user):
		raise frappe.PermissionError(
			_("Only the agent on call {0} or a supervisor may transfer it or put it on hold").format(
				call.name
			)
		)


def _live(call) -> LiveCall:
	return LiveCall(call.call_id, call.extension)


def _held(call, held: bool) -> None:
	mark_on_hold(call.name, held)
	# Everyone following the call sees it held or resumed (the popup's button turns).
	publish_call(call)
