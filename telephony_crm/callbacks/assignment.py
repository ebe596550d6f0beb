"""Whom a missed call's call-back goes to, and which missed calls get one (Telephony Settings → Missed
Calls).

The person responsible for the number first (routing.responsible: the same answer the PBX gets); when
nobody is, the fallback: a user, or a role's enabled users in turn. A call missed outside working hours
goes to the after-hours fallback instead, where one is set.
"""

from dataclasses import dataclass
from datetime import datetime

import frappe
from frappe.utils import get_time

from telephony_crm.routing.responsible import Responsible, responsible_for

FALLBACK = "fallback"
AFTER_HOURS = "after_hours"
UNASSIGNED = "unassigned"
# Weekdays (Monday is 0) each choice of Working Days covers.
WORKING_DAYS = {
	"Every day": range(7),
	"Monday to Friday": range(5),
	"Monday to Saturday": range(6),
}
_NOT_PEOPLE = ("Administrator", "Guest")


@dataclass(frozen=True)
class Assignee:
	user: str | None
	reason: str  # a routing.responsible reason, FALLBACK, AFTER_HOURS or UNASSIGNED


def _settings():
	return frappe.get_cached_doc("Telephony Settings")


def applies_to(provider: str) -> bool:
	"""Whether missed calls through `provider` get call-backs: the feature is on and the provider listed
	(an empty list is every provider)."""
	settings = _settings()
	providers = {row.provider for row in settings.callback_providers}
	return bool(settings.callbacks_enabled) and (not providers or provider in providers)


def assignee_for(number: str, missed_at: datetime) -> Assignee:
	responsible: Responsible | None = responsible_for(number, missed_at)
	if responsible:
		return Assignee(responsible.user, responsible.reason)
	settings = _settings()
	if not in_working_hours(missed_at):
		after_hours = _fallback(settings.callback_after_hours_user, settings.callback_after_hours_role)
		if after_hours:
			return Assignee(after_hours, AFTER_HOURS)
	user = _fallback(settings.callback_fallback_user, settings.callback_fallback_role)
	return Assignee(user, FALLBACK if user else UNASSIGNED)


def in_working_hours(moment: datetime) -> bool:
	settings = _settings()
	if moment.weekday() not in WORKING_DAYS.get(settings.callback_working_days or "Every day", range(7)):
		return False
	if not (settings.callback_work_start and settings.callback_work_end):
		return True
	start, end, time = (
		get_time(settings.callback_work_start),
		get_time(settings.callback_work_end),
		moment.time(),
	)
	if start <= end:
		return start <= time < end
	return time >= start or time < end  # hours that run past midnight


def _fallback(user: str | None, role: str | None) -> str | None:
	if user and frappe.get_cached_value("User", user, "enabled"):
		return user
	return _next_member(role) if role else None


def _next_member(role: str) -> str | None:
	"""The role's enabled users in turn: a counter in Redis (atomic across workers) picks the next."""
	members = frappe.db.sql(
		"""select distinct u.name from `tabUser` u join `tabHas Role` r on r.parent = u.name
		where r.parenttype = 'User' and r.role = %s and u.enabled = 1 and u.name not in %s
		order by u.name""",
		(role, _NOT_PEOPLE),
		pluck=True,
	)
	if not members:
		return None
	turn = frappe.cache.incr(frappe.cache.make_key(f"telephony_crm:callback-turn:{role}"))
	return members[(turn - 1) % len(members)]
