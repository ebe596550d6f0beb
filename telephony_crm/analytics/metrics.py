"""Contact-centre figures, each defined once: the reports, number cards and charts all read them here.

Every figure is grouped SQL over the calls the session user may read: the WHERE clause carries the very
conditions frappe.get_list applies to the call log (its role permissions, shares and the row rules of
permissions.py), so an agent's figures cover their own calls and a supervisor's everyone's. Documents of
other doctypes (call-backs, opportunities, sales orders, the availability log) are counted under their
own doctype's conditions too.

Definitions (a call's agent is whose call it is: who answered it, else whose phone rang or who placed it):
- answered: the call has an answer time; missed: it rang and nobody answered (status Missed);
- answer rate: answered inbound calls / inbound calls;
- ring time: ring seconds of answered inbound calls; talk time: talk seconds of answered calls;
- service level: inbound calls answered within N seconds of ringing / inbound calls;
- abandonment rate: inbound calls the caller gave up on before an answer (missed) / inbound calls;
- called back: a later answered call with the same external number (inbound or outbound), or the
  missed call's call-back closed;
- call-back closed: a call-back ToDo (telephony_callback_number) of Closed status; how fast: from its
  first missed call to its last change (ToDo keeps no closing time of its own).
"""

import math
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import frappe
from frappe.model.db_query import DatabaseQuery
from frappe.utils import add_days, get_datetime, getdate, now_datetime

from telephony_crm.availability.board import supervises_agents
from telephony_crm.availability.status import AVAILABLE, AWAY, STATUSES, available_agents
from telephony_crm.callbacks.fields import NUMBER_FIELD, TODO
from telephony_crm.calls.links import CALL_LINK_FIELD
from telephony_crm.permissions import for_whole_sets

CALL_DOCTYPE = "Telephony Call Log"
LINK_DOCTYPE = "Telephony Call Link"
STATUS_CHANGE_DOCTYPE = "Telephony Agent Status Change"
MISSED = "Missed"
INBOUND = "Inbound"
OUTBOUND = "Outbound"
CLOSED = "Closed"
DEFAULT_SERVICE_LEVEL_SECONDS = 20
# The statuses whose time Agent Performance shows.
REPORTED_STATUSES = (AVAILABLE, AWAY)
RING_PERCENTILE = 0.9

CALLS = f"`tab{CALL_DOCTYPE}`"
# The figures' conditions on a call, in one place.
IS_INBOUND = f"{CALLS}.`direction` = '{INBOUND}'"
IS_ANSWERED = f"{CALLS}.`answered_at` is not null"
IS_MISSED = f"{CALLS}.`status` = '{MISSED}'"


@dataclass(frozen=True)
class Scope:
	"""The calls a figure counts: started in [start, end), of a provider, agent and direction if given."""

	start: datetime
	end: datetime
	provider: str | None = None
	agent: str | None = None
	direction: str | None = None

	@classmethod
	def of_report(cls, filters) -> "Scope":
		"""A report's filters: from_date and to_date are days, both included."""
		filters = frappe._dict(filters or {})
		return cls(
			get_datetime(filters.from_date),
			get_datetime(add_days(getdate(filters.to_date), 1)),
			filters.provider or None,
			filters.agent or None,
			filters.direction or None,
		)

	def __len__(self) -> int:
		"""How many calls the scope holds (counted in SQL)."""
		return call_totals(self).calls

	def where(self, direction: bool = True, agent: bool = True) -> tuple[str, dict]:
		"""The call log's WHERE clause for the scope (without its direction or agent if told) and the
		session user's row rules, and its values."""
		conditions = [f"{CALLS}.`started_at` >= %(start)s", f"{CALLS}.`started_at` < %(end)s"]
		fields = ("provider", *(("agent",) if agent else ()), *(("direction",) if direction else ()))
		for field in fields:
			if getattr(self, field):
				conditions.append(f"{CALLS}.`{field}` = %({field})s")
		conditions.append(permitted(CALL_DOCTYPE))
		values = {"start": self.start, "end": self.end, "provider": self.provider, "agent": self.agent}
		return " and ".join(conditions), {**values, "direction": self.direction}


def calls(from_date, to_date, provider=None, agent=None, direction=None) -> Scope:
	"""The calls started in [from_date, to_date) that the session user may read, as a Scope the figures
	count in SQL."""
	return Scope(get_datetime(from_date), get_datetime(to_date), provider, agent, direction)


def permitted(doctype: str) -> str:
	"""The conditions frappe.get_list puts on `doctype` for the session user (role permissions, shares,
	user permissions and the doctype's permission query conditions), as one SQL condition on
	`tab<doctype>`; a user who may read none of it gets a condition no row meets."""
	query = DatabaseQuery(doctype)
	messages = len(frappe.local.message_log)
	try:
		with for_whole_sets():
			match = query.build_match_conditions()
	except frappe.PermissionError:
		# A figure of documents the user may not read is none, not an error: drop its message.
		del frappe.local.message_log[messages:]
		return "1 = 0"
	return " and ".join(f"({condition})" for condition in (*query.conditions, match) if condition) or "1 = 1"


def percent(part: int, whole: int) -> float | None:
	"""`part` of `whole` in percent; None when there is nothing to count."""
	return 100.0 * part / whole if whole else None


def average(total: float, count: int) -> float | None:
	return total / count if count else None


def user_group(column: str, exact: bool) -> str:
	"""The GROUP BY key of a user column, selected as `user`: its crc32 unless `exact`. MariaDB groups a
	month of rows by a long string by sorting them all, by an integer in memory, several times faster;
	`grouped_by_user` turns the hashes back into users."""
	return column if exact else f"crc32({column})"


def grouped_by_user(query, doctype: str, column: str, *args) -> list[frappe._dict]:
	"""The rows of `query(*args, exact=...)`, grouped by the hash of `doctype`'s user `column` and given
	their user back (every value the column holds, read from its index, has a hash of its own), or
	grouped by the column itself when two values' hashes are alike."""
	users = frappe.db.sql(f"select distinct `{column}` from `tab{doctype}`", pluck=True)
	by_hash = {zlib.crc32(user.encode()): user for user in users if user}
	exact = len(by_hash) < len([user for user in users if user])
	sql, values = query(*args, exact=exact)
	rows = frappe.db.sql(sql, values, as_dict=True)
	if not exact:
		for row in rows:
			row.user = by_hash[row.user]
	return rows


def percentile(histogram: dict[float, int], fraction: float) -> float | None:
	"""The nearest-rank percentile of values given as {value: how many times}: the smallest value with at
	least `fraction` of all values at or below it."""
	count = sum(histogram.values())
	if not count:
		return None
	rank, seen = max(1, math.ceil(fraction * count)), 0
	for value in sorted(histogram):
		seen += histogram[value]
		if seen >= rank:
			return value


def call_totals(scope: Scope) -> frappe._dict:
	"""The call set's inbound, answered inbound and missed calls, and its answer rate."""
	where, values = scope.where()
	row = frappe.db.sql(
		f"""select count(*) as calls, coalesce(sum({IS_INBOUND}), 0) as inbound,
			coalesce(sum({IS_INBOUND} and {IS_ANSWERED}), 0) as answered,
			coalesce(sum({IS_INBOUND} and {IS_MISSED}), 0) as missed
		from {CALLS} where {where}""",
		values,
		as_dict=True,
	)[0]
	row.answer_rate = percent(row.answered, row.inbound)
	return row


def answer_rate(scope: Scope) -> float | None:
	"""Share of the inbound calls that were answered, in percent."""
	return call_totals(scope).answer_rate


def agent_performance_query(scope: Scope, exact: bool = False) -> tuple[str, dict]:
	"""The calls per agent, direction, status, whether answered and ring time if answered, with their
	talk time: one pass over the covering index (the text keys grouped by their hash unless `exact`)."""
	where, values = scope.where()
	keys = [user_group(f"{CALLS}.`{field}`", exact) for field in ("agent", "direction", "status")]
	ring = f"if({IS_ANSWERED}, coalesce({CALLS}.`ring_duration`, 0), null)"
	sql = f"""select {keys[0]} as user, {keys[1]} as direction, {keys[2]} as status,
			{IS_ANSWERED} as answered, {ring} as ring, count(*) as calls,
			sum(coalesce({CALLS}.`talk_duration`, 0)) as talk
		from {CALLS} where {where} and {CALLS}.`agent` is not null
		group by {", ".join(keys)}, {IS_ANSWERED}, {ring}"""
	return sql, values


def agent_performance(scope: Scope) -> list[dict]:
	"""Per agent: calls in and out, answered and missed inbound calls, ring and talk times, call-backs
	closed and how fast, and time Available and Away."""
	sums = ("calls_in", "calls_out", "answered", "missed", "talks", "total_talk")
	by_agent: dict[str, dict] = defaultdict(lambda: dict.fromkeys(sums, 0))
	rings: dict[str, dict] = defaultdict(dict)
	named = {zlib.crc32(value.encode()): value for value in (INBOUND, OUTBOUND, MISSED)}
	for row in grouped_by_user(agent_performance_query, CALL_DOCTYPE, "agent", scope):
		figures, calls = by_agent[row.user], int(row.calls)
		direction, status = named.get(row.direction, row.direction), named.get(row.status, row.status)
		if direction == INBOUND:
			figures["calls_in"] += calls
			if row.answered:
				figures["answered"] += calls
				rings[row.user][int(row.ring)] = rings[row.user].get(int(row.ring), 0) + calls
			elif status == MISSED:
				figures["missed"] += calls
		elif direction == OUTBOUND:
			figures["calls_out"] += calls
		if row.answered:
			figures["talks"] += calls
			figures["total_talk"] += int(row.talk or 0)
	callbacks = callbacks_closed(scope)
	statuses = time_in_status(scope)
	result = []
	for agent in sorted(set(by_agent) | set(callbacks) | set(statuses)):
		figures = by_agent.get(agent) or dict.fromkeys(sums, 0)
		ring = rings.get(agent, {})
		closed = callbacks.get(agent) or frappe._dict(callbacks=0, closed=0, close_seconds=0)
		status_seconds = statuses.get(agent, {})
		result.append(
			{
				"agent": agent,
				"calls_in": figures["calls_in"],
				"calls_out": figures["calls_out"],
				"answered": figures["answered"],
				"missed": figures["missed"],
				"answer_rate": percent(figures["answered"], figures["calls_in"]),
				"avg_ring": average(sum(value * count for value, count in ring.items()), figures["answered"]),
				"p90_ring": percentile(ring, RING_PERCENTILE),
				"avg_talk": average(figures["total_talk"], figures["talks"]),
				"total_talk": figures["total_talk"],
				"callbacks": closed.callbacks,
				"callbacks_closed": closed.closed,
				"avg_callback_close": average(closed.close_seconds, closed.closed),
				"available_time": status_seconds.get(AVAILABLE, 0),
				"away_time": status_seconds.get(AWAY, 0),
			}
		)
	return result


def callbacks_closed_query(scope: Scope) -> tuple[str, dict]:
	"""Call-backs whose first missed call is in the scope, per the user they are allocated to."""
	# A call-back's agent is whom it is allocated to, not the missed call's.
	where, values = scope.where(direction=False, agent=False)
	if scope.agent:
		where += " and `tabToDo`.`allocated_to` = %(agent)s"
	sql = f"""select `tabToDo`.`allocated_to` as agent, count(*) as callbacks,
			sum(`tabToDo`.`status` = '{CLOSED}') as closed,
			sum(if(`tabToDo`.`status` = '{CLOSED}',
				timestampdiff(second, {CALLS}.`started_at`, `tabToDo`.`modified`), 0)) as close_seconds
		from `tabToDo` join {CALLS} on {CALLS}.`name` = `tabToDo`.`{CALL_LINK_FIELD}`
		where `tabToDo`.`{NUMBER_FIELD}` is not null and `tabToDo`.`allocated_to` is not null
			and `tabToDo`.`status` != 'Cancelled' and {where}
		group by `tabToDo`.`allocated_to`"""
	return sql, values


def callbacks_closed(scope: Scope) -> dict[str, frappe._dict]:
	"""{agent: call-backs, closed ones and their seconds from the first missed call to closing}."""
	sql, values = callbacks_closed_query(scope)
	return {
		row.agent: frappe._dict(
			callbacks=int(row.callbacks),
			closed=int(row.closed or 0),
			close_seconds=int(row.close_seconds or 0),
		)
		for row in frappe.db.sql(sql, values, as_dict=True)
	}


def _status_change_rules(scope: Scope) -> str:
	changes = f"`tab{STATUS_CHANGE_DOCTYPE}`"
	conditions = [permitted(STATUS_CHANGE_DOCTYPE)]
	if scope.agent:
		conditions.append(f"{changes}.`user` = %(agent)s")
	return " and ".join(conditions)


def last_status_before_query(scope: Scope) -> tuple[str, dict]:
	"""Each agent's last status change before the period: one read of the (user, changed_at) index each."""
	changes = f"`tab{STATUS_CHANGE_DOCTYPE}`"
	sql = f"""select {changes}.`user`, max({changes}.`changed_at`) as `changed_at` from {changes}
		where {changes}.`changed_at` < %(start)s and {_status_change_rules(scope)} group by {changes}.`user`"""
	return sql, {"start": scope.start, "agent": scope.agent}


def status_sums_query(scope: Scope, exact: bool = False) -> tuple[str, dict]:
	"""Per agent and pair of statuses changed from and to, the seconds (from the period's start) of the
	changes in the period: one range read of the covering index, one sum a row (the statuses grouped by
	their hash too unless `exact`)."""
	changes = f"`tab{STATUS_CHANGE_DOCTYPE}`"
	keys = [user_group(f"{changes}.`{field}`", exact) for field in ("user", "from_status", "to_status")]
	sql = f"""select {keys[0]} as user, {keys[1]} as from_status, {keys[2]} as to_status,
			sum(timestampdiff(second, %(start)s, {changes}.`changed_at`)) as seconds
		from {changes}
		where {changes}.`changed_at` >= %(start)s and {changes}.`changed_at` < %(end)s
			and {_status_change_rules(scope)}
		group by {", ".join(keys)}"""
	return sql, {"start": scope.start, "end": scope.end, "agent": scope.agent}


def first_and_last_change_query(scope: Scope) -> tuple[str, dict]:
	"""Each agent's first and last status change in the period: two reads of the (user, changed_at) index
	each."""
	changes = f"`tab{STATUS_CHANGE_DOCTYPE}`"
	sql = f"""select {changes}.`user`, min({changes}.`changed_at`) as first_at,
			max({changes}.`changed_at`) as last_at
		from {changes}
		where {changes}.`changed_at` >= %(start)s and {changes}.`changed_at` < %(end)s
			and {_status_change_rules(scope)}
		group by {changes}.`user`"""
	return sql, {"start": scope.start, "end": scope.end, "agent": scope.agent}


def _changes_at(moments: dict[str, datetime]) -> dict[str, frappe._dict]:
	"""{user: their status change at moments[user]} (from_status, to_status)."""
	if not moments:
		return {}
	rows = frappe.db.sql(
		f"""select `user`, `changed_at`, `from_status`, `to_status` from `tab{STATUS_CHANGE_DOCTYPE}`
		where `user` in %(users)s and `changed_at` in %(moments)s order by `name`""",
		{"users": tuple(moments), "moments": tuple(set(moments.values()))},
		as_dict=True,
	)
	return {row.user: row for row in rows if row.changed_at == moments[row.user]}


def time_in_status(scope: Scope) -> dict[str, dict[str, float]]:
	"""{agent: {status: seconds spent in it within the scope's period}} (of REPORTED_STATUSES) from the
	availability log.

	A status lasts from the change into it to the agent's next change (which left it), or to the period's
	end (or now); the one an agent had when the period began (their last change before it) counts from
	its start, and before an agent's first change ever nothing is counted. Summed without ordering the
	changes: each change adds its time to the status it left and takes it from the one it entered (the
	log records both, written under the agent's lock)."""
	until = (min(scope.end, now_datetime()) - scope.start).total_seconds()
	sql, values = last_status_before_query(scope)
	before = _changes_at(dict(frappe.db.sql(sql, values)))
	status_by_hash = {zlib.crc32(status.encode()): status for status in STATUSES}
	sums: dict[str, dict] = defaultdict(lambda: defaultdict(float))
	for row in grouped_by_user(status_sums_query, STATUS_CHANGE_DOCTYPE, "user", scope):
		sums[row.user][status_by_hash.get(row.from_status, row.from_status)] += float(row.seconds)
		sums[row.user][status_by_hash.get(row.to_status, row.to_status)] -= float(row.seconds)
	sql, values = first_and_last_change_query(scope)
	spans = {row.user: row for row in frappe.db.sql(sql, values, as_dict=True)}
	firsts = _changes_at({user: row.first_at for user, row in spans.items() if user not in before})
	lasts = _changes_at({user: row.last_at for user, row in spans.items()})
	result: dict[str, dict[str, float]] = {}
	for user in set(before) | set(spans):
		seconds = sums.get(user) or defaultdict(float)
		if user in firsts:
			# Since when they had the status their first change left is not known.
			first = firsts[user]
			seconds[first.from_status] -= (first.changed_at - scope.start).total_seconds()
		ending = lasts[user].to_status if user in lasts else before[user].to_status
		seconds[ending] += until
		result[user] = {status: max(0, seconds[status]) for status in REPORTED_STATUSES}
	return result


def missed_calls_query(scope: Scope) -> tuple[str, dict]:
	"""Each missed call in the scope with the first later answered call of its number and its closed
	call-back (a call linked to several ToDos has a row for each). Whether it was called back is the
	missed call's own fact: the call that did it is found among all calls, and only its time and agent
	are shown."""
	where, values = scope.where()
	sql = f"""select missed.*, callback.`answered_at` as callback_at, callback.`agent` as callback_by
		from (
			select {CALLS}.`name` as `call`, {CALLS}.`started_at`, {CALLS}.`external_number`,
				{CALLS}.`external_number_display`, {CALLS}.`caller_name`, {CALLS}.`agent`, {CALLS}.`provider`, {CALLS}.`ring_duration`,
				(select later.`name` from {CALLS} as later
					where later.`external_number` = {CALLS}.`external_number`
						and later.`answered_at` > {CALLS}.`started_at`
					order by later.`answered_at` limit 1) as callback_call,
				closed.`name` as closed_todo, closed.`modified` as todo_closed_at,
				closed.`modified_by` as todo_closed_by
			from {CALLS}
			left join `tab{LINK_DOCTYPE}` as link on link.`parent` = {CALLS}.`name`
				and link.`parenttype` = '{CALL_DOCTYPE}' and link.`link_doctype` = '{TODO}'
			left join `tabToDo` as closed on closed.`name` = link.`link_name`
				and closed.`{NUMBER_FIELD}` is not null and closed.`status` = '{CLOSED}'
			where {where} and {IS_MISSED} and {CALLS}.`external_number` is not null
		) as missed
		left join {CALLS} as callback on callback.`name` = missed.callback_call
		order by missed.`started_at`, missed.`call`, missed.closed_todo is null"""
	return sql, values


def missed_calls(scope: Scope, not_called_back: bool = False) -> list[dict]:
	"""Each missed call: when and by whom it was called back (the earlier of a later answered call of its
	number and its call-back's closing), and how long after the missed call."""
	sql, values = missed_calls_query(scope)
	rows, seen = [], set()
	for row in frappe.db.sql(sql, values, as_dict=True):
		# A call's row with its closed call-back comes first; its other ToDos' rows add nothing.
		if row.call in seen:
			continue
		seen.add(row.call)
		by_call = (row.callback_at, row.callback_by) if row.callback_call else None
		by_todo = (row.todo_closed_at, row.todo_closed_by) if row.closed_todo else None
		called_back = min((way for way in (by_call, by_todo) if way), default=None, key=lambda way: way[0])
		if not_called_back and called_back:
			continue
		rows.append(
			{
				"call": row.call,
				"started_at": row.started_at,
				"external_number": row.external_number,
				# The masked copy, for the users who see numbers masked (the report picks).
				"external_number_display": row.external_number_display,
				"caller_name": row.caller_name,
				"agent": row.agent,
				"provider": row.provider,
				"ring_duration": row.ring_duration or 0,
				"called_back": int(bool(called_back)),
				"called_back_at": called_back[0] if called_back else None,
				"called_back_by": called_back[1] if called_back else None,
				"callback_call": row.callback_call if called_back is by_call else None,
				"time_to_call_back": (
					max(0, int((get_datetime(called_back[0]) - row.started_at).total_seconds()))
					if called_back
					else None
				),
			}
		)
	return rows


def load_by_minute_query(scope: Scope, service_level: int) -> tuple[str, dict]:
	"""Calls by the minute (from the period's start) they started, with what the service level, the
	abandonment rate and the peak count."""
	where, values = scope.where()
	sql = f"""select timestampdiff(minute, %(start)s, {CALLS}.`started_at`) as minute, count(*) as calls,
			sum({IS_INBOUND}) as inbound,
			sum({IS_INBOUND} and {IS_ANSWERED} and coalesce({CALLS}.`ring_duration`, 0) <= %(service_level)s)
				as within_service_level,
			sum({IS_INBOUND} and {IS_MISSED}) as abandoned, sum({CALLS}.`ended_at` is not null) as ended
		from {CALLS} where {where} group by minute"""
	return sql, {**values, "service_level": service_level}


def ends_by_minute_query(scope: Scope) -> tuple[str, dict]:
	"""The scope's ended calls by the minute (from the period's start) they ended."""
	where, values = scope.where()
	sql = f"""select timestampdiff(minute, %(start)s, {CALLS}.`ended_at`) as minute, count(*) as ended
		from {CALLS} where {where} and {CALLS}.`ended_at` is not null group by minute"""
	return sql, values


def call_load(scope: Scope, service_level: int = DEFAULT_SERVICE_LEVEL_SECONDS) -> frappe._dict:
	"""Calls by day of week and hour of day ({(weekday, hour): calls}); peak concurrent calls (the most
	ended calls in progress in one minute: a call counts in each minute from the one it started in to the
	one it ended in); service level (percent of inbound calls answered within `service_level` seconds)
	and abandonment rate (percent of inbound calls missed)."""
	sql, values = load_by_minute_query(scope, service_level)
	grid, inbound, within, abandoned, starts = {}, 0, 0, 0, {}
	for row in frappe.db.sql(sql, values, as_dict=True):
		moment = scope.start + timedelta(minutes=int(row.minute))
		grid[(moment.weekday(), moment.hour)] = grid.get((moment.weekday(), moment.hour), 0) + int(row.calls)
		inbound += int(row.inbound or 0)
		within += int(row.within_service_level or 0)
		abandoned += int(row.abandoned or 0)
		starts[int(row.minute)] = int(row.ended or 0)
	sql, values = ends_by_minute_query(scope)
	ends = {int(minute): int(count) for minute, count in frappe.db.sql(sql, values)}
	peak, started, ended_before = 0, 0, 0
	for minute in sorted(starts.keys() | ends.keys()):
		started += starts.get(minute, 0)
		peak = max(peak, started - ended_before)
		ended_before += ends.get(minute, 0)
	return frappe._dict(
		by_hour=grid,
		peak_concurrent=peak,
		inbound=inbound,
		service_level=percent(within, inbound),
		abandonment_rate=percent(abandoned, inbound),
	)


# Periods of the Calls to Sales report: the first day of each.
PERIODS = {
	"Day": f"date({CALLS}.`started_at`)",
	"Week": f"date({CALLS}.`started_at`) - interval weekday({CALLS}.`started_at`) day",
	"Month": f"date({CALLS}.`started_at`) - interval (dayofmonth({CALLS}.`started_at`) - 1) day",
}
# What a call may have led to, and the value each counts (in the company's currency).
SALES_DOCUMENTS = {
	"Opportunity": ("base_opportunity_amount", "docstatus < 2"),
	"Sales Order": ("base_grand_total", "docstatus = 1"),
}


def calls_by_period_query(scope: Scope, period: str, exact: bool = False) -> tuple[str, dict]:
	where, values = scope.where()
	agent = f"{CALLS}.`agent`"
	sql = f"""select {user_group(agent, exact)} as user, {PERIODS[period]} as period,
			count(*) as calls, sum({CALLS}.`customer` is not null) as known_customers
		from {CALLS} where {where} and {agent} is not null group by {user_group(agent, exact)}, period"""
	return sql, values


def sales_documents_query(scope: Scope, period: str, doctype: str) -> tuple[str, dict]:
	"""The `doctype` documents (that the user may read) linked to the scope's calls, once per agent and
	period, with their value."""
	where, values = scope.where()
	value, valid = SALES_DOCUMENTS[doctype]
	document = f"`tab{doctype}`"
	sql = f"""select agent, period, count(*) as documents, sum(value) as value from (
			select distinct {CALLS}.`agent` as agent, {PERIODS[period]} as period, {document}.`name`,
				coalesce({document}.`{value}`, 0) as value
			from `tab{LINK_DOCTYPE}` as link
			join {CALLS} on {CALLS}.`name` = link.`parent`
			join {document} on {document}.`name` = link.`link_name`
			where link.`link_doctype` = %(doctype)s and link.`parenttype` = '{CALL_DOCTYPE}'
				and {where} and {CALLS}.`agent` is not null
				and {document}.{valid} and {permitted(doctype)}
		) as documents group by agent, period"""
	return sql, {**values, "doctype": doctype}


def calls_to_sales(scope: Scope, period: str = "Month") -> list[dict]:
	"""Per agent and period: calls, calls with known customers, and the opportunities and sales orders
	linked to those calls (created from them or linked later) with their value."""
	rows: dict[tuple, dict] = {}

	def row(agent, start):
		return rows.setdefault(
			(agent, start),
			{
				"agent": agent,
				"period": start,
				"calls": 0,
				"known_customers": 0,
				"opportunities": 0,
				"opportunity_value": 0.0,
				"sales_orders": 0,
				"sales_order_value": 0.0,
			},
		)

	for found in grouped_by_user(calls_by_period_query, CALL_DOCTYPE, "agent", scope, period):
		row(found.user, found.period).update(
			calls=int(found.calls), known_customers=int(found.known_customers)
		)
	for doctype, count, value in (
		("Opportunity", "opportunities", "opportunity_value"),
		("Sales Order", "sales_orders", "sales_order_value"),
	):
		sql, values = sales_documents_query(scope, period, doctype)
		for found in frappe.db.sql(sql, values, as_dict=True):
			row(found.agent, found.period).update(
				{count: int(found.documents), value: float(found.value or 0)}
			)
	return [rows[key] for key in sorted(rows)]


# The Telephony workspace's number cards and charts (analytics/cards.py).


def average_wait(scope: Scope) -> float | None:
	"""Seconds inbound callers waited on average until answered or they gave up (answered or missed
	inbound calls' ring time)."""
	where, values = scope.where()
	return frappe.db.sql(
		f"""select avg(coalesce({CALLS}.`ring_duration`, 0)) from {CALLS}
		where {where} and {IS_INBOUND} and ({IS_ANSWERED} or {IS_MISSED})""",
		values,
	)[0][0]


def calls_by_day_and_status(scope: Scope) -> dict[tuple, int]:
	"""{(day, status): calls} of the scope."""
	where, values = scope.where()
	rows = frappe.db.sql(
		f"""select date({CALLS}.`started_at`) as day, {CALLS}.`status`, count(*) from {CALLS}
		where {where} group by day, {CALLS}.`status`""",
		values,
	)
	return {(getdate(day), status): int(count) for day, status, count in rows}


def calls_by_hour(scope: Scope) -> list[int]:
	"""Calls of the scope by the hour of the day they started: 24 counts, from 00:00."""
	where, values = scope.where()
	counts = dict(
		frappe.db.sql(
			f"select hour({CALLS}.`started_at`) as hour, count(*) from {CALLS} where {where} group by hour",
			values,
		)
	)
	return [int(counts.get(hour, 0)) for hour in range(24)]


def missed_awaiting_callback(provider: str | None = None) -> int:
	"""Missed calls (of `provider`, if given, among those the user may read) whose call-back is open."""
	where = [f"{CALLS}.`provider` = %(provider)s"] if provider else []
	return frappe.db.sql(
		f"""select count(distinct {CALLS}.`name`) from {CALLS}
		join `tab{LINK_DOCTYPE}` as link on link.`parent` = {CALLS}.`name`
			and link.`parenttype` = '{CALL_DOCTYPE}' and link.`link_doctype` = '{TODO}'
		join `tabToDo` as callback on callback.`name` = link.`link_name`
		where {IS_MISSED} and callback.`{NUMBER_FIELD}` is not null and callback.`status` = 'Open'
			and {" and ".join([*where, permitted(CALL_DOCTYPE)])}""",
		{"provider": provider},
	)[0][0]


def agents_available(provider: str | None = None) -> int:
	"""Agents Available now (with an enabled line, on `provider` if given): everyone for those who
	supervise agents, else the user alone (the availability log's rule)."""
	agents = available_agents(provider)
	if not supervises_agents():
		agents = [agent for agent in agents if agent.user == frappe.session.user]
	return len(agents)
