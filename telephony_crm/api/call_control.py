"""Desk endpoints for a call in progress: transfer it to a colleague, put it on hold, resume it.

Each reads the call with the user's permission; calls/transfer.py decides who may do what to it."""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import escape_html

from telephony_crm.calls import transfer as control
from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.calls.summary import call_summary
from telephony_crm.providers.base import ProviderCommandError


@frappe.whitelist(methods=["POST"])
def transfer(call: str, to_user: str, attended: bool = False) -> dict:
	"""Hand the call to `to_user` (blind, or attended: the agent speaks to them first)."""
	doc = _call(call)
	with _provider_errors(_("The call could not be transferred")):
		result = control.transfer_call(doc, to_user, attended)
	return {"call": result.name, "status": result.status}


@frappe.whitelist(methods=["POST"])
def hold(call: str) -> dict:
	doc = _call(call)
	with _provider_errors(_("The call could not be put on hold")):
		control.hold_call(doc)
	return call_summary(doc)


@frappe.whitelist(methods=["POST"])
def resume(call: str) -> dict:
	doc = _call(call)
	with _provider_errors(_("The call could not be resumed")):
		control.resume_call(doc)
	return call_summary(doc)


@frappe.whitelist()
def transfer_targets(call: str) -> list[dict]:
	"""Colleagues Available now on the call's provider: user, full_name, extension, status."""
	return control.transfer_targets(_call(call))


def _call(call: str):
	doc = frappe.get_doc(CALL_DOCTYPE, call)
	doc.check_permission("read")
	return doc


@contextmanager
def _provider_errors(title: str):
	"""A provider's refusal reaches the user as text under `title` (it may quote the PBX's answer)."""
	try:
		yield
	except ProviderCommandError as error:
		frappe.throw(escape_html(str(error)), ProviderCommandError, title=title)
