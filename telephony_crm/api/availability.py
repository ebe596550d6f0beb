"""Desk endpoints for agents' availability: the navbar's status control and heartbeat, the Agents view,
and the list of available agents. Each checks who asks."""

import frappe
from frappe import _

from telephony_crm.availability import presence, status
from telephony_crm.availability.board import agent_rows, supervises_agents
from telephony_crm.availability.choice import choose_status
from telephony_crm.roles import TELEPHONY_ROLES


@frappe.whitelist()
def available_agents(provider: str | None = None) -> list[dict]:
	"""Agents who are Available now (on `provider`'s lines when given): user, full_name, extension, status."""
	if not supervises_agents() and not set(TELEPHONY_ROLES).intersection(frappe.get_roles()):
		frappe.throw(_("Only telephony agents and supervisors see who is available"), frappe.PermissionError)
	return status.available_agents(provider)


@frappe.whitelist(methods=["POST"])
def set_status(status: str, user: str | None = None) -> dict:
	"""Set your status (Available, Away, Do Not Disturb); supervisors may set an agent's."""
	choose_status(status, user)
	return _row(user or frappe.session.user)


@frappe.whitelist(methods=["POST"])
def heartbeat() -> dict | None:
	"""The desk is open. Returns the agent's row; None for a user without an enabled SIP Account (no
	status is kept for them)."""
	user = frappe.session.user
	if not frappe.db.exists("SIP Account", {"user": user, "enabled": 1}):
		return None
	presence.heartbeat(user)
	return _row(user)


@frappe.whitelist()
def agents() -> list[dict]:
	"""Every agent's row, for the Agents view."""
	if not supervises_agents():
		frappe.throw(_("Only supervisors see the Agents view"), frappe.PermissionError)
	return agent_rows()


def _row(user: str) -> dict:
	return agent_rows([user])[0]
