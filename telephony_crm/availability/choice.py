"""What people may set: their own status, one of CHOSEN_STATUSES; a supervisor an agent's, from the
Agents view (someone who left without saying so stops getting group calls). Busy and Offline follow from
calls and desks alone."""

import frappe
from frappe import _
from frappe.utils import escape_html

from telephony_crm.availability.board import supervises_agents
from telephony_crm.availability.record import CHOSEN, SET_BY_SUPERVISOR, change_agent
from telephony_crm.availability.status import BUSY, CHOSEN_STATUSES, OFFLINE, STATUSES


class UnknownStatusError(frappe.ValidationError):
	http_status_code = 422


class NotAnAgentError(frappe.ValidationError):
	http_status_code = 422


def choose_status(status: str, user: str | None = None) -> frappe._dict:
	"""The session user sets `user`'s (by default their own) chosen status."""
	chooser = frappe.session.user
	user = user or chooser
	if status not in STATUSES:
		frappe.throw(
			_("{0} is no status; choose one of {1}").format(escape_html(status), ", ".join(CHOSEN_STATUSES)),
			UnknownStatusError,
		)
	if status in (BUSY, OFFLINE):
		frappe.throw(
			_(
				"Nobody sets {0}: an agent is Busy while on a call and Offline when their desk has been closed; choose one of {1}"
			).format(status, ", ".join(CHOSEN_STATUSES)),
			frappe.PermissionError,
		)
	if user != chooser and not supervises_agents(chooser):
		frappe.throw(
			_("You may set only your own status; a supervisor sets an agent's from the Agents page"),
			frappe.PermissionError,
		)
	if not frappe.db.exists("SIP Account", {"user": user, "enabled": 1}):
		frappe.throw(
			_("Only users with an enabled SIP Account have a status, and {0} has none").format(
				escape_html(user)
			)
			if user != chooser
			else _("Only users with an enabled SIP Account have a status, and you have none"),
			NotAnAgentError,
		)

	def chosen(record):
		record.chosen_status = status

	reason = CHOSEN if user == chooser else SET_BY_SUPERVISOR
	return change_agent(user, chosen, reason, changed_by=chooser)
