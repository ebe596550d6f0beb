"""Agents' availability: what each user with an enabled SIP Account is now, as everyone reads it.

An agent's status is one of five. They choose Available, Away or Do Not Disturb; the app sets Busy while
they talk on a call and Offline when their desk has sent no heartbeat for OFFLINE_AFTER_MINUTES (see
`record.shown_status`). Only `record.change_agent` writes them.

A user with an enabled SIP Account and no status record yet counts as Available: right after install
nobody has sent a heartbeat, and counting everyone Offline would give group calls' popups and routing
to nobody until each agent has opened the desk. The first heartbeat or call starts their record.
"""

import frappe

AVAILABLE = "Available"
BUSY = "Busy"
AWAY = "Away"
DND = "Do Not Disturb"
OFFLINE = "Offline"
STATUSES = (AVAILABLE, BUSY, AWAY, DND, OFFLINE)
# What people may choose; Busy and Offline follow from their calls and their desk.
CHOSEN_STATUSES = (AVAILABLE, AWAY, DND)
# A desk that sent no heartbeat for this long is closed: its agent is Offline until the next one.
OFFLINE_AFTER_MINUTES = 5

STATUS_DOCTYPE = "Telephony Agent Status"
CHANGE_DOCTYPE = "Telephony Agent Status Change"


def status_of(user: str) -> str:
	return statuses([user])[user]


def is_available(user: str) -> bool:
	"""True only for Available: not Busy, Away, Do Not Disturb or Offline."""
	return status_of(user) == AVAILABLE


def available_users(users) -> set[str]:
	return {user for user, status in statuses(users).items() if status == AVAILABLE}


def statuses(users) -> dict[str, str]:
	"""{user: status} for `users`, in two queries whatever their number."""
	users = {user for user in users if user}
	if not users:
		return {}
	# Plain SQL: asked while a call rings (popups, routing).
	recorded = dict(
		frappe.db.sql(f"select name, status from `tab{STATUS_DOCTYPE}` where name in %s", (tuple(users),))
	)
	unrecorded = users - recorded.keys()
	with_line = (
		set(
			frappe.db.sql(
				"select user from `tabSIP Account` where user in %s and enabled = 1",
				(tuple(unrecorded),),
				pluck=True,
			)
		)
		if unrecorded
		else set()
	)
	return {user: recorded.get(user) or (AVAILABLE if user in with_line else OFFLINE) for user in users}


def available_agents(provider: str | None = None, exclude: str | None = None) -> list[dict]:
	"""Available agents, by name: one dict (user, full_name, extension, status) per enabled user with an
	enabled SIP Account (on `provider` when given; `extension` is their lowest one there), `exclude` left
	out."""
	sip = frappe.qb.DocType("SIP Account")
	user = frappe.qb.DocType("User")
	record = frappe.qb.DocType(STATUS_DOCTYPE)
	status = frappe.query_builder.functions.Coalesce(record.status, AVAILABLE)
	query = (
		frappe.qb.from_(sip)
		.join(user)
		.on(user.name == sip.user)
		.left_join(record)
		.on(record.name == sip.user)
		.select(
			sip.user,
			user.full_name,
			frappe.query_builder.functions.Min(sip.extension).as_("extension"),
			status.as_("status"),
		)
		.where((sip.enabled == 1) & (user.enabled == 1) & (status == AVAILABLE))
		.groupby(sip.user, user.full_name, status)
		.orderby(user.full_name)
		.orderby(sip.user)
	)
	if provider:
		query = query.where(sip.provider == provider)
	if exclude:
		query = query.where(sip.user != exclude)
	return query.run(as_dict=True)
