"""The analytics reports at scale: one month of a contact centre with a million calls.

    bench --site bench.test execute telephony_crm.benchmarks.analytics_reports.run --kwargs "{'calls': 1000000}"

Seeds with department_calls (its `calls` calls of `agents` agents, their participants, employees and
departments), then gives those calls one month's shape: they start in the month before `month_end`
one after another, 70 % inbound (one in 13 missed, the others answered after 3-42 s), 20 % outbound
(one in 11 not answered), 10 % internal, a customer on one in four, each external number calling about
five times; each call makes its agent Busy and Available again (two availability changes), half the
missed calls have a call-back ToDo (half of those closed an hour later), one call in 100 an
Opportunity and one in 200 a submitted Sales Order linked to it. Then times each report, as a supervisor
(all calls), the head of a department and one agent, and the workspace's figures as a supervisor. The
site needs ERPNext set up (a company). Use a site of its own: the data stays for the next run (`cleanup`
removes it).
"""

import os
import time

import frappe
from frappe.utils import add_days, get_datetime, getdate

from telephony_crm.analytics import metrics
from telephony_crm.benchmarks import department_calls
from telephony_crm.benchmarks.stats import summary
from telephony_crm.roles import SUPERVISOR_ROLE
from telephony_crm.telephony_crm.report.agent_performance import agent_performance
from telephony_crm.telephony_crm.report.call_load import call_load
from telephony_crm.telephony_crm.report.calls_to_sales import calls_to_sales
from telephony_crm.telephony_crm.report.missed_calls import missed_calls

PREFIX = department_calls.PREFIX
PROVIDER = department_calls.PROVIDER
SUPERVISOR = "bench-supervisor@bench.example"
MONTH_DAYS = 30
REPORTS = {
	"Agent Performance": agent_performance,
	"Missed Calls": missed_calls,
	"Call Load": call_load,
	"Calls to Sales": calls_to_sales,
}
# A call's number in the seeded names (PREFIX + number).
_NUMBER = f"cast(substring(c.name, {len(PREFIX) + 1}) as unsigned)"


def run(calls: int = 1_000_000, agents: int = 200, month_end: str = "2026-12-01", samples: int = 5):
	department_calls._fill(calls, agents, 10, department_calls._departments())
	start = get_datetime(add_days(getdate(month_end), -MONTH_DAYS))
	_shape_month(calls, start)
	_supervisor()
	filters = {"from_date": str(start.date()), "to_date": str(add_days(getdate(month_end), -1))}
	print(
		f"Calls: {frappe.db.count(metrics.CALL_DOCTYPE, {'started_at': ('>=', start)}):,} in "
		f"{filters['from_date']} .. {filters['to_date']}; InnoDB buffer pool: "
		f"{frappe.db.sql('select @@innodb_buffer_pool_size')[0][0] >> 20} MB; load average "
		f"{os.getloadavg()[0]:.1f}"
	)
	for title, user in (
		("supervisor (all calls)", SUPERVISOR),
		("department head", department_calls.HEAD),
		("one agent", department_calls.AGENT),
	):
		print(title)
		for name, report in REPORTS.items():
			timings, rows = _time(user, samples, lambda report=report: report.execute(filters))
			print(f"  {name:<20} rows={len(rows[1]):>7,}  {summary(timings)}")
	scope = metrics.Scope.of_report(filters)
	day = metrics.Scope(start, get_datetime(add_days(start, 1)))
	print("workspace figures (supervisor)")
	for name, figure in (
		("answer_rate (a day)", lambda: metrics.answer_rate(day)),
		("average_wait (a day)", lambda: metrics.average_wait(day)),
		("calls_by_day_and_status (month)", lambda: metrics.calls_by_day_and_status(scope)),
		("calls_by_hour (month)", lambda: metrics.calls_by_hour(scope)),
		("missed_awaiting_callback", lambda: metrics.missed_awaiting_callback()),
		("agents_available", lambda: metrics.agents_available()),
	):
		timings, _result = _time(SUPERVISOR, samples, figure)
		print(f"  {name:<32} {summary(timings)}")
	print(f"load average at the end {os.getloadavg()[0]:.1f}")


def _time(user: str, samples: int, action) -> tuple[list[float], object]:
	frappe.set_user(user)
	timings, result = [], None
	try:
		for _sample in range(samples):
			frappe.local.request_cache.clear()
			started = time.perf_counter()
			result = action()
			timings.append((time.perf_counter() - started) * 1000)
	finally:
		frappe.set_user("Administrator")
	return timings, result


def _supervisor() -> None:
	if not frappe.db.exists("User", SUPERVISOR):
		user = frappe.get_doc(
			{"doctype": "User", "email": SUPERVISOR, "first_name": "Bench", "send_welcome_email": 0}
		).insert(ignore_permissions=True)
		user.add_roles(SUPERVISOR_ROLE)
		frappe.db.commit()


def _shape_month(calls: int, start) -> None:
	"""One month's calls, availability changes, call-backs and sales documents (once)."""
	if frappe.db.exists("ToDo", f"{PREFIX}T0"):
		return
	spacing = MONTH_DAYS * 86400 / calls
	print("Shaping the calls as one month ...", flush=True)
	# n % 10: 0-6 inbound, 7-8 outbound, 9 internal; inbound n % 13 = 0 missed; outbound n % 11 = 0
	# not answered.
	n = _NUMBER
	frappe.db.sql(
		f"""update `tabTelephony Call Log` c
		set c.started_at = %(start)s + interval floor({n} * %(spacing)s) second,
			c.direction = case when mod({n}, 10) < 7 then 'Inbound' when mod({n}, 10) < 9 then 'Outbound'
				else 'Internal' end,
			c.ring_duration = 3 + mod(({n} * 7), 40),
			c.talk_duration = if((mod({n}, 10) < 7 and mod({n}, 13) = 0) or (mod({n}, 10) in (7, 8) and mod({n}, 11) = 0),
				0, 20 + mod(({n} * 13), 400)),
			c.status = case when mod({n}, 10) < 7 and mod({n}, 13) = 0 then 'Missed'
				when mod({n}, 10) in (7, 8) and mod({n}, 11) = 0 then 'No Answer' else 'Completed' end,
			c.external_number = concat('+7916', lpad(mod({n}, %(numbers)s), 7, '0')),
			c.customer = if(mod({n}, 4) = 0, %(customer)s, null)
		where c.name like %(prefix)s""",
		{
			"prefix": f"{PREFIX}%",
			"customer": f"{PREFIX}CUSTOMER",
			"start": start,
			"spacing": spacing,
			"numbers": max(1, calls // 5),
		},
	)
	frappe.db.sql(
		"""update `tabTelephony Call Log` c
		set c.answered_at = if(c.talk_duration > 0, c.started_at + interval c.ring_duration second, null),
			c.answered_by = if(c.talk_duration > 0, c.agent, null),
			c.ended_at = c.started_at + interval (c.ring_duration + c.talk_duration) second
		where c.name like %(prefix)s""",
		{"prefix": f"{PREFIX}%"},
	)
	frappe.db.commit()
	print("Availability changes, call-backs and sales documents ...", flush=True)
	audit = "c.started_at, c.started_at, 'Administrator', 'Administrator'"
	for suffix, before, after, moment in (
		("B", "Available", "Busy", "c.started_at"),
		("A", "Busy", "Available", "c.ended_at"),
	):
		frappe.db.sql(
			f"""insert into `tabTelephony Agent Status Change` (name, user, from_status, to_status,
				changed_at, reason, `call`, creation, modified, owner, modified_by)
			select concat(c.name, '{suffix}'), c.agent, '{before}', '{after}', {moment}, 'Call', c.name, {audit}
			from `tabTelephony Call Log` c where c.name like %(prefix)s""",
			{"prefix": f"{PREFIX}%"},
		)
		frappe.db.commit()
	missed_with_callback = f"c.status = 'Missed' and mod({_NUMBER}, 26) = 0"
	frappe.db.sql(
		f"""insert into `tabToDo` (name, status, allocated_to, description, telephony_call,
			telephony_callback_number, telephony_missed_calls, telephony_last_missed_at, priority, date,
			creation, modified, owner, modified_by)
		select concat(%(todo)s, {_NUMBER}), if(mod({_NUMBER}, 52) = 0, 'Closed', 'Open'), c.agent,
			c.external_number, c.name, c.external_number, 1, c.started_at, 'Medium', date(c.started_at),
			c.started_at, c.started_at + interval 1 hour, 'Administrator', c.agent
		from `tabTelephony Call Log` c where c.name like %(prefix)s and {missed_with_callback}""",
		{"prefix": f"{PREFIX}%", "todo": f"{PREFIX}T"},
	)
	# The marker the next run checks.
	frappe.db.sql(
		"""insert ignore into `tabToDo` (name, status, description, priority, creation, modified)
		values (%s, 'Cancelled', 'benchmark', 'Medium', now(), now())""",
		(f"{PREFIX}T0",),
	)
	company = department_calls._company()
	frappe.db.sql(
		f"""insert into `tabOpportunity` (name, telephony_call, opportunity_from, party_name, status, company,
			currency, conversion_rate, opportunity_amount, base_opportunity_amount, transaction_date,
			creation, modified, owner, modified_by)
		select concat(%(opportunity)s, {_NUMBER}), c.name, 'Customer', c.customer, 'Open', %(company)s, 'RUB', 1,
			1000 + mod({_NUMBER}, 9000), 1000 + mod({_NUMBER}, 9000), date(c.started_at), {audit}
		from `tabTelephony Call Log` c where c.name like %(prefix)s and mod({_NUMBER}, 100) = 1""",
		{"prefix": f"{PREFIX}%", "opportunity": f"{PREFIX}O", "company": company},
	)
	frappe.db.sql(
		f"""insert into `tabSales Order` (name, telephony_call, customer, company, currency, conversion_rate,
			docstatus, status, transaction_date, delivery_date, grand_total, base_grand_total, creation,
			modified, owner, modified_by)
		select concat(%(order)s, {_NUMBER}), c.name, c.customer, %(company)s, 'RUB', 1, 1, 'To Deliver and Bill',
			date(c.started_at), date(c.started_at), 500 + mod({_NUMBER}, 20000), 500 + mod({_NUMBER}, 20000), {audit}
		from `tabTelephony Call Log` c where c.name like %(prefix)s and mod({_NUMBER}, 200) = 2""",
		{"prefix": f"{PREFIX}%", "order": f"{PREFIX}S", "company": company},
	)
	for doctype, infix in (("ToDo", "T"), ("Opportunity", "O"), ("Sales Order", "S")):
		frappe.db.sql(
			f"""insert into `tabTelephony Call Link` (name, parent, parenttype, parentfield, idx,
				link_doctype, link_name, origin, creation, modified, owner, modified_by)
			select concat(d.name, 'L'), d.telephony_call, 'Telephony Call Log', 'links', 1, %(doctype)s,
				d.name, 'Added', d.creation, d.creation, 'Administrator', 'Administrator'
			from `tab{doctype}` d where d.name like %(names)s and d.name != %(marker)s""",
			{
				"doctype": doctype,
				"names": f"{PREFIX}{infix}%",
				"marker": f"{PREFIX}T0",
			},
		)
	frappe.db.commit()


def cleanup() -> None:
	for doctype, field in (
		("Telephony Call Link", "name"),
		("Telephony Agent Status Change", "name"),
		("ToDo", "name"),
		("Opportunity", "name"),
		("Sales Order", "name"),
	):
		frappe.db.delete(doctype, {field: ("like", f"{PREFIX}%")})
	frappe.db.commit()
	department_calls.cleanup()
