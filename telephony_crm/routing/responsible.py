"""Who is responsible for a phone number: the one answer that call-backs and routing both give.

In order: the Account Manager of the caller's customer, the Lead Owner of their lead, the owner of their
contact; else the agent who last talked with the number within the window (Telephony Settings → Last
Talker Window). Administrator, Guest and disabled users are nobody's manager: records imported or made by
the system name them as owners.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import frappe

from telephony_crm.caller_id.lookup import identify

ACCOUNT_MANAGER = "account_manager"
LEAD_OWNER = "lead_owner"
CONTACT_OWNER = "contact_owner"
LAST_TALKED = "last_talked"
DEFAULT_WINDOW_HOURS = 24
_NOT_PEOPLE = ("Administrator", "Guest")
# Who owns a record, in the order they answer for a number.
_OWNERS = (
	(ACCOUNT_MANAGER, "Customer", "account_manager"),
	(LEAD_OWNER, "Lead", "lead_owner"),
	(CONTACT_OWNER, "Contact", "owner"),
)


@dataclass(frozen=True)
class Responsible:
	user: str
	reason: str  # one of the constants above


def responsible_for(number: str | None, now: datetime) -> Responsible | None:
	"""Who answers for `number` (a normalized number, the phone index's key) at `now` (site time)."""
	if not number:
		return None
	return _owner(number) or _last_talker(number, now)


def talk_window() -> timedelta:
	hours = frappe.get_cached_doc("Telephony Settings").last_talker_window_hours
	return timedelta(hours=DEFAULT_WINDOW_HOURS if hours is None else hours)


def _owner(number: str) -> Responsible | None:
	"""The first owner among every record the number belongs to (ERPNext makes a Contact for a new
	Lead with its numbers: the number is the contact's and the lead's)."""
	match = identify(number)
	if not match:
		return None
	records = [
		("Customer", match.customer),
		("Contact", match.contact),
		("Lead", match.lead),
		*((other.doctype, other.name) for other in match.others),
	]
	for reason, doctype, field in _OWNERS:
		for kind, name in records:
			user = kind == doctype and name and frappe.db.get_value(doctype, name, field)
			if user and _is_person(user):
				return Responsible(user, reason)
	return None


def _last_talker(number: str, now: datetime) -> Responsible | None:
	window = talk_window()
	if not window:
		return None
	rows = frappe.db.sql(
		"""select ifnull(answered_by, agent) from `tabTelephony Call Log`
		where external_number = %s and answered_at is not null and started_at >= %s
			and ifnull(answered_by, agent) is not null
		order by started_at desc limit 5""",
		(number, now - window),
	)
	user = next((user for (user,) in rows if _is_person(user)), None)
	return Responsible(user, LAST_TALKED) if user else None


def _is_person(user: str) -> bool:
	return user not in _NOT_PEOPLE and bool(frappe.get_cached_value("User", user, "enabled"))
