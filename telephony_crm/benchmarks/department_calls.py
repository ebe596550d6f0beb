"""A department head's call list at scale: the list view's page and count, under the department scope.

    bench --site bench.test execute telephony_crm.benchmarks.department_calls.run --kwargs "{'calls': 1000000}"

Fills the site with `calls` calls of `agents` agents (one participant row each, as the engine records an
answered call's agent), spread over a department tree: a head office with two branches under it, each
branch `agents_per_department` agents, and the rest of the agents in other departments. Then times, as
the head of the head office (who sees the calls of its agents and its branches') and as one agent (their
own calls), what the desk's list view asks: a page of 20 calls in the list's order and the count. Use a site of its own: the data stays
for the next run (`cleanup` removes it).
"""

import time
from datetime import timedelta

import frappe

from telephony_crm.benchmarks.stats import summary
from telephony_crm.roles import AGENT_ROLE, DEPARTMENT_HEAD_ROLE

CALL = "Telephony Call Log"
PARTICIPANT = "Telephony Call Participant"
PREFIX = "BENCHDEPT-"
PROVIDER = "Bench Department PBX"
HEAD = "bench-department-head@bench.example"
AGENT = "bench-agent-1@bench.example"
CHUNK = 10_000
_AUDIT = ("creation", "modified", "owner", "modified_by")


def run(calls: int = 1_000_000, agents: int = 200, agents_per_department: int = 10, samples: int = 50):
	departments = _departments()
	_fill(calls, agents, agents_per_department, departments)
	total = frappe.db.count(CALL, {"provider": PROVIDER})
	print(
		f"Calls: {total:,}; InnoDB buffer pool: {frappe.db.sql('select @@innodb_buffer_pool_size')[0][0] >> 20} MB"
	)
	for title, user in (
		("department head (head office and its branches)", HEAD),
		("one agent's own calls", AGENT),
	):
		page_ms, count_ms, visible = _list_view(user, samples)
		print(f"{title}: sees {visible:,} calls")
		print(f"  page of 20:         {summary(page_ms)}")
		print(f"  count (up to 1001): {summary(count_ms)}")


def _list_view(user: str, samples: int) -> tuple[list[float], list[float], int]:
	"""What the desk's list view asks, as `user`: pages of 20 in the list's order, and the count it shows
	(Frappe counts up to 1001 and says "1000+")."""
	frappe.set_user(user)
	fields = ["name", "started_at", "external_number", "status", "agent"]
	page_ms, count_ms = [], []
	try:
		for sample in range(samples):
			frappe.local.request_cache.clear()
			started = time.perf_counter()
			frappe.get_list(
				CALL,
				fields=fields,
				order_by="started_at desc",
				limit_start=20 * (sample % 5),
				limit_page_length=20,
			)
			page_ms.append((time.perf_counter() - started) * 1000)
			frappe.local.request_cache.clear()
			started = time.perf_counter()
			query = frappe.get_list(CALL, fields=["name"], order_by=None, limit=1001, run=0)
			frappe.db.sql(f"select count(*) from ({query}) p")
			count_ms.append((time.perf_counter() - started) * 1000)
		visible = frappe.get_list(CALL, fields=["count(*) as n"], order_by=None)[0].n
	finally:
		frappe.set_user("Administrator")
	return page_ms, count_ms, visible


def _company() -> str:
	companies = frappe.get_all("Company", pluck="name", limit=1)
	if not companies:
		frappe.throw("Departments and Employees need a Company: finish ERPNext's setup on this site first")
	return companies[0]


def _departments() -> list[str]:
	"""The head office (HEAD is its head), two branches under it, and three departments elsewhere."""
	company = _company()

	def department(name: str, parent: str) -> str:
		existing = frappe.db.get_value("Department", {"department_name": name})
		if existing:
			return existing
		return (
			frappe.get_doc(
				{
					"doctype": "Department",
					"department_name": name,
					"parent_department": parent,
					"company": company,
					"is_group": 1,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	office = department(f"{PREFIX}Head Office", "All Departments")
	branches = [department(f"{PREFIX}Branch {n}", office) for n in (1, 2)]
	others = [department(f"{PREFIX}Elsewhere {n}", "All Departments") for n in (1, 2, 3)]
	for email, roles in ((HEAD, (AGENT_ROLE, DEPARTMENT_HEAD_ROLE)), (AGENT, (AGENT_ROLE,))):
		if not frappe.db.exists("User", email):
			user = frappe.get_doc(
				{"doctype": "User", "email": email, "first_name": "Bench", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
			user.add_roles(*roles)
	if not frappe.db.exists("Telephony Provider Settings", PROVIDER):
		frappe.get_doc(
			{
				"doctype": "Telephony Provider Settings",
				"provider_name": PROVIDER,
				"provider_type": "Generic Webhook",
				"enabled": 0,
			}
		).insert(ignore_permissions=True)
	frappe.db.commit()
	return [office, *branches, *others]


def _fill(calls: int, agents: int, agents_per_department: int, departments: list[str]) -> None:
	existing = frappe.db.count(CALL, {"provider": PROVIDER})
	if existing >= calls:
		return
	now, audit_user = frappe.utils.now(), "Administrator"
	audit = (now, now, audit_user, audit_user)
	users = [HEAD, *(f"bench-agent-{n}@bench.example" for n in range(1, agents))]
	if not frappe.db.exists("Employee", {"user_id": HEAD}):
		# The head office and its branches take the first agents; the others are elsewhere.
		seat = [departments[min(n // agents_per_department, 2)] for n in range(3 * agents_per_department)]
		seat += [departments[3 + n % 3] for n in range(len(users) - len(seat))]
		company = _company()
		frappe.db.bulk_insert(
			"Employee",
			(
				"name",
				"first_name",
				"employee_name",
				"gender",
				"date_of_birth",
				"date_of_joining",
				"status",
				"company",
				"department",
				"user_id",
				*_AUDIT,
			),
			[
				(
					f"{PREFIX}E{n}",
					f"Agent {n}",
					f"Agent {n}",
					"Female",
					"1990-01-01",
					"2020-01-01",
					"Active",
					company,
					seat[n],
					user,
					*audit,
				)
				for n, user in enumerate(users)
			],
		)
	print(f"Adding {calls - existing:,} calls ...")
	start_time = frappe.utils.get_datetime("2025-01-01 09:00:00")
	for start in range(existing, calls, CHUNK):
		numbers = range(start, min(calls, start + CHUNK))
		rows = []
		for n in numbers:
			started = start_time + timedelta(seconds=30 * n)
			rows.append(
				(
					f"{PREFIX}{n}",
					PROVIDER,
					f"{PREFIX}{n}",
					"Inbound",
					"Completed",
					started,
					f"+7916{n % 10_000_000:07d}",
					users[n % len(users)],
					users[n % len(users)],
					*audit,
				)
			)
		frappe.db.bulk_insert(
			CALL,
			(
				"name",
				"provider",
				"call_id",
				"direction",
				"status",
				"started_at",
				"external_number",
				"agent",
				"answered_by",
				*_AUDIT,
			),
			rows,
		)
		frappe.db.bulk_insert(
			PARTICIPANT,
			("name", "parent", "parenttype", "parentfield", "idx", "user", *_AUDIT),
			[
				(f"{PREFIX}P{n}", f"{PREFIX}{n}", CALL, "participants", 1, users[n % len(users)], *audit)
				for n in numbers
			],
		)
		frappe.db.commit()
		print(f"  {min(calls, start + CHUNK):,}", flush=True)


def cleanup() -> None:
	for doctype in (PARTICIPANT, CALL, "Employee"):
		frappe.db.delete(doctype, {"name": ("like", f"{PREFIX}%")})
	frappe.db.commit()
