"""Offline: an agent whose desk sent no heartbeat for OFFLINE_AFTER_MINUTES.

Every open desk of an agent sends a heartbeat a minute (HEARTBEAT_SECONDS); a scheduler job each minute
marks the agents whose last one is older than that Offline, and their next heartbeat brings back the
status they chose. An agent on a call stays Busy whatever their desk does."""

import frappe
from frappe.utils import now_datetime

from telephony_crm.availability.record import DESK_CLOSED, DESK_OPENED, change_agent, offline_cutoff
from telephony_crm.availability.status import BUSY, OFFLINE, STATUS_DOCTYPE

HEARTBEAT_SECONDS = 60


def heartbeat(user: str) -> frappe._dict:
	"""The user's desk is open now."""

	def seen(record):
		record.last_seen = now_datetime()

	return change_agent(user, seen, DESK_OPENED)


def mark_offline() -> None:
	"""Scheduler, every minute: agents whose desks have gone quiet are Offline."""
	quiet = frappe.get_all(
		STATUS_DOCTYPE,
		{"last_seen": ("<", offline_cutoff(now_datetime())), "status": ("not in", (OFFLINE, BUSY))},
		pluck="name",
	)
	for user in quiet:
		# The record is read again under the agent's lock: a heartbeat just in keeps them as they are.
		change_agent(user, lambda record: None, DESK_CLOSED)
