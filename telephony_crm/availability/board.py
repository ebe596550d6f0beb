"""The Agents view: every agent, their status, since when, and the calls they are on, told live to
supervisors (and to the agent, whose navbar shows their own)."""

import frappe

from telephony_crm.availability.status import AVAILABLE
from telephony_crm.masking import call_for_user
from telephony_crm.roles import SUPERVISOR_ROLE

AGENT_EVENT = "telephony_crm:agent_status"
# Who watches the Agents view (its page's roles) and may set an agent's status from it.
SUPERVISING_ROLES = (SUPERVISOR_ROLE, "System Manager")
_SUPERVISORS_KEY = "telephony_crm:agent_supervisors"
_CALL_FIELDS = (
	"name",
	"provider",
	"direction",
	"external_number",
	"external_number_display",
	"caller_name",
	"answered_at",
)


def supervises_agents(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(set(SUPERVISING_ROLES).intersection(frappe.get_roles(user)))


def agent_rows(users: list[str] | None = None, viewer: str | None = None) -> list[dict]:
	"""One row per enabled user with an enabled SIP Account (of `users`, when given), by name: their
	extensions, status, since when, the status they chose and the calls they are on, whose numbers
	are as `viewer` (the session's user) may see them."""
	return [row_for(row, viewer) for row in _agent_rows(users)]


def row_for(row: dict, viewer: str | None = None) -> dict:
	"""An agent's row with the numbers of their calls as `viewer` may see them."""
	return frappe._dict(row, calls=[call_for_user(call, viewer) for call in row["calls"]])


def _agent_rows(users: list[str] | None) -> list[dict]:
	if users is not None and not users:
		return []
	rows = frappe.db.sql(
		f"""select sip.user, u.full_name,
			group_concat(distinct sip.extension order by sip.extension separator ', ') as extensions,
			coalesce(s.status, %(available)s) as status, s.since,
			coalesce(s.chosen_status, %(available)s) as chosen_status, s.active_calls
		from `tabSIP Account` sip
		join `tabUser` u on u.name = sip.user
		left join `tabTelephony Agent Status` s on s.name = sip.user
		where sip.enabled = 1 and u.enabled = 1 {"and sip.user in %(users)s" if users else ""}
		group by sip.user, u.full_name, s.status, s.since, s.chosen_status, s.active_calls
		order by u.full_name, sip.user""",
		{"available": AVAILABLE, "users": users},
		as_dict=True,
	)
	calls = _calls({name for row in rows for name in (row.active_calls or "").split()})
	for row in rows:
		row.calls = [calls[name] for name in (row.pop("active_calls") or "").split() if name in calls]
	return rows


def publish_agent(user: str) -> None:
	"""Tell the agent and the supervisors the agent's row, once the change is committed."""
	rows = _agent_rows([user])
	if not rows:
		return  # no longer an agent (their line was disabled): nobody shows them
	for recipient in {user, *supervisors()}:
		frappe.publish_realtime(AGENT_EVENT, row_for(rows[0], recipient), user=recipient, after_commit=True)


def _calls(names: set[str]) -> dict[str, dict]:
	if not names:
		return {}
	rows = frappe.db.sql(
		f"select {', '.join(_CALL_FIELDS)} from `tabTelephony Call Log` where name in %s",
		(list(names),),
		as_dict=True,
	)
	return {row.name: row for row in rows}


def supervisors() -> list[str]:
	# Read on every change of status: kept in Redis, forgotten when a user (their roles) changes.
	return frappe.cache.get_value(_SUPERVISORS_KEY, generator=_enabled_supervisors)


def forget_supervisors(doc=None, method=None) -> None:
	"""User on_update and on_trash: roles or enabled may have changed. Forgotten again after the
	commit, in case another worker read the roles as they were before it."""
	frappe.cache.delete_value(_SUPERVISORS_KEY)
	frappe.db.after_commit.add(lambda: frappe.cache.delete_value(_SUPERVISORS_KEY))


def _enabled_supervisors() -> list[str]:
	return frappe.db.sql_list(
		"""select distinct r.parent from `tabHas Role` r join `tabUser` u on u.name = r.parent
		where r.parenttype = 'User' and r.role in %(roles)s and u.enabled = 1""",
		{"roles": SUPERVISING_ROLES},
	)
