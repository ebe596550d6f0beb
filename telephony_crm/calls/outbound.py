"""Calls placed from the desk (click-to-call) and calls ended from it (reject)."""

import frappe
from frappe import _

from telephony_crm.caller_id.numbers import region_for_provider
from telephony_crm.calls.dialling import LINE_DIALLING_FIELDS, plan_dialling
from telephony_crm.calls.engine import CALL_DOCTYPE, CallResult
from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.calls.times import site_now
from telephony_crm.providers import get_provider
from telephony_crm.providers.base import OriginateRequest, ProviderCommandError, WebhookRefused
from telephony_crm.rights.outbound import check_outbound


class NoSipAccountError(frappe.ValidationError):
	pass


def place_call(number: str, reference: tuple[str, str] | None = None, user: str | None = None) -> dict:
	"""Ring the user's phone, then dial `number`; if the provider refuses, the call ends as Failed.

	A provider that reports the call under the id the app gives it finds the Outbound call recorded (and
	committed) before the command, however fast its events. One that names the call itself (its answer
	to the command says how) has it recorded under that name; its events may come first, and the
	record is the same."""
	user = user or frappe.session.user
	account = sip_account_for(user)
	dialled = plan_dialling(number, account).number
	check_outbound(number, region_for_provider(account.provider), user)
	provider = command_provider(account.provider)
	request = OriginateRequest(f"tcrm-{frappe.generate_hash(length=16)}", account.extension, dialled)

	def record(call_id: str):
		return commit_event(
			CallEvent(
				provider=account.provider,
				call_id=call_id,
				event=EventType.RINGING,
				time=site_now(),
				direction=Direction.OUTBOUND,
				caller_number=account.extension,
				called_number=dialled,
				extension=account.extension,
				reference=reference,
			)
		)

	placed = None if provider.names_placed_calls else record(request.call_id)
	try:
		provider_call_id = run_command(provider, provider.originate, request)
	except ProviderCommandError as error:
		placed = placed or record(request.call_id)
		failed = _end(account.provider, request.call_id, CallStatus.FAILED, raw_status=str(error)[:140])
		return {"call": failed.name, "status": failed.status, "error": str(error)}
	placed = placed or record(provider_call_id or request.call_id)
	return {"call": placed.name, "status": placed.status, "number": dialled}


def reject_call(call) -> CallResult:
	"""Ask the provider to hang up a ringing inbound call, then record it as Rejected."""
	if call.direction != Direction.INBOUND.value or call.status != CallStatus.RINGING.value:
		frappe.throw(
			_("Only a ringing inbound call can be rejected; this one is {0}").format(
				_(call.status, context=CALL_DOCTYPE)
			)
		)
	provider = command_provider(call.provider)
	run_command(provider, provider.hangup, call.call_id)
	return _end(call.provider, call.call_id, CallStatus.REJECTED, raw_status="rejected from the desk")


def command_provider(name: str):
	"""The provider a command goes to; ProviderCommandError when it is unknown or disabled."""
	try:
		return get_provider(name)
	except WebhookRefused as refusal:
		raise ProviderCommandError(refusal.message)


def run_command(provider, command, *args):
	"""Run a command at the provider; whatever goes wrong reaches the user as a sentence, not a traceback."""
	try:
		return command(*args)
	except ProviderCommandError:
		raise
	except Exception as error:
		frappe.log_error(title=f"Telephony: command to {provider.name} failed")
		raise ProviderCommandError(
			_("{0} could not take the command ({1}); details are in the Error Log").format(
				provider.name, type(error).__name__
			)
		)


def _end(provider: str, call_id: str, status: CallStatus, raw_status: str) -> CallResult:
	return commit_event(
		CallEvent(
			provider=provider,
			call_id=call_id,
			event=EventType.ENDED,
			time=site_now(),
			end_status=status,
			raw_status=raw_status,
		)
	)


def sip_account_for(user: str):
	"""The user's enabled line, on the default outgoing provider when they have several."""
	accounts = frappe.get_all(
		"SIP Account",
		filters={"user": user, "enabled": 1},
		fields=["name", "provider", "extension", *LINE_DIALLING_FIELDS],
		order_by="creation asc",
	)
	enabled = [
		a for a in accounts if frappe.db.get_value("Telephony Provider Settings", a.provider, "enabled")
	]
	if not enabled:
		frappe.throw(
			_(
				"You have no enabled SIP Account, so calls cannot be placed for you. Ask an administrator for a line."
			),
			NoSipAccountError,
			title=_("No phone line"),
		)
	defaults = frappe.get_all("Telephony Provider Settings", {"is_default_outgoing": 1}, pluck="name")
	return next((a for a in enabled if a.provider in defaults), enabled[0])
