"""The contact-centre figures on a small hand-made day of calls with known answers, the reports' row rules,
and the indexes their queries use."""

from datetime import datetime, timedelta
from unittest.mock import patch

import frappe
from frappe.desk.query_report import run as run_report
from frappe.tests.utils import FrappeTestCase

from telephony_crm.analytics import indexes, metrics
from telephony_crm.callbacks.fields import NUMBER_FIELD
from telephony_crm.callbacks.todo import callback_writes
from telephony_crm.calls.links import CALL_LINK_FIELD
from telephony_crm.roles import SUPERVISOR_ROLE
from telephony_crm.telephony_crm.report.agent_performance import agent_performance
from telephony_crm.telephony_crm.report.call_load import call_load
from telephony_crm.telephony_crm.report.calls_to_sales import calls_to_sales
from telephony_crm.telephony_crm.report.missed_calls import missed_calls
from telephony_crm.tests.factories import (
	make_customer,
	make_item,
	make_provider,
	make_sales_order,
	make_user,
	unique,
	unique_mobile,
)

DAY = datetime(2026, 3, 2)  # a Monday
AUDIT = ("creation", "modified", "owner", "modified_by")
REPORT_NAMES = {
	agent_performance: "Agent Performance",
	missed_calls: "Missed Calls",
	call_load: "Call Load",
	calls_to_sales: "Calls to Sales",
}


def at(clock: str) -> datetime:
	hours, minutes, seconds = (int(part) for part in clock.split(":"))
	return DAY + timedelta(hours=hours, minutes=minutes, seconds=seconds)


class TestFigures(FrappeTestCase):
	"""One Monday of two agents' calls:

	call  direction  status     agent  started   ring  answered  talk  ended     number
	c1    Inbound    Completed  ann    10:00:00  5     10:00:05  60    10:01:05  n1 (a customer's)
	c2    Inbound    Completed  ann    10:00:30  10    10:00:40  120   10:02:40  n2
	c3    Inbound    Completed  ann    11:00:00  30    11:00:30  30    11:01:00  n3
	c4    Inbound    Missed     ann    11:30:00  25    -         -     11:30:25  n4
	c5    Outbound   Completed  ann    10:01:00  5     10:01:05  40    10:01:45  n5
	c6    Inbound    Missed     bob    10:00:50  15    -         -     10:01:05  n6
	c7    Outbound   Completed  bob    12:00:00  5     12:00:05  100   12:01:45  n4 (calls c4 back)
	c8    Inbound    Missed     bob    13:00:00  20    -         -     13:00:20  n8

	Call-backs: c4's allocated to ann, closed at 12:01:45; c6's allocated to bob, open; c8's allocated to
	ann, closed by her at 14:00:00; c6 and c8 are linked to a closed task too. Availability: ann Available
	since the day before, Away 12:00-13:00, Offline from 18:00; bob Available at 09:00, Away from 09:30 to
	the day's end. An opportunity of 1000 is linked to c1 and c2, a submitted sales order of 100 and a
	draft to c7."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider().name
		cls.ann, cls.bob = make_user(), make_user()
		cls.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		cls.customer = make_customer().name
		cls.numbers = {key: unique_mobile() for key in ("n1", "n2", "n3", "n4", "n5", "n6", "n8")}
		ann, bob, n = cls.ann, cls.bob, cls.numbers
		cls.calls = {}
		for key, direction, status, agent, started, ring, answered, talk, ended, number in (
			("c1", "Inbound", "Completed", ann, "10:00:00", 5, "10:00:05", 60, "10:01:05", "n1"),
			("c2", "Inbound", "Completed", ann, "10:00:30", 10, "10:00:40", 120, "10:02:40", "n2"),
			("c3", "Inbound", "Completed", ann, "11:00:00", 30, "11:00:30", 30, "11:01:00", "n3"),
			("c4", "Inbound", "Missed", ann, "11:30:00", 25, None, 0, "11:30:25", "n4"),
			("c5", "Outbound", "Completed", ann, "10:01:00", 5, "10:01:05", 40, "10:01:45", "n5"),
			("c6", "Inbound", "Missed", bob, "10:00:50", 15, None, 0, "10:01:05", "n6"),
			("c7", "Outbound", "Completed", bob, "12:00:00", 5, "12:00:05", 100, "12:01:45", "n4"),
			("c8", "Inbound", "Missed", bob, "13:00:00", 20, None, 0, "13:00:20", "n8"),
		):
			cls.calls[key] = insert_call(
				cls.provider,
				direction=direction,
				status=status,
				agent=agent,
				answered_by=agent if answered else None,
				started_at=at(started),
				answered_at=at(answered) if answered else None,
				ended_at=at(ended),
				ring_duration=ring,
				talk_duration=talk,
				external_number=n[number],
				customer=cls.customer if key in ("c1", "c7") else None,
			)
		c = cls.calls
		insert_callback(c["c4"], n["n4"], ann, closed_at=at("12:01:45"), closed_by=bob)
		insert_callback(c["c6"], n["n6"], bob)
		insert_callback(c["c8"], n["n8"], ann, closed_at=at("14:00:00"), closed_by=ann)
		# Tasks made from calls are no call-backs.
		for call in (c["c6"], c["c8"]):
			task = frappe.get_doc({"doctype": "ToDo", "status": "Closed", "description": "a task"})
			insert_link(call, "ToDo", task.insert(ignore_permissions=True).name)
		insert_status_changes(
			(ann, "Offline", "Available", DAY - timedelta(hours=6)),
			(ann, "Available", "Away", at("12:00:00")),
			(ann, "Away", "Available", at("13:00:00")),
			(ann, "Available", "Offline", at("18:00:00")),
			(bob, "Offline", "Available", at("09:00:00")),
			(bob, "Available", "Away", at("09:30:00")),
			(bob, "Away", "Available", DAY + timedelta(days=1, hours=1)),
		)
		opportunity = insert_opportunity(cls.customer, 1000)
		for call in (c["c1"], c["c2"]):
			insert_link(call, "Opportunity", opportunity)
		item = make_item()
		submitted = make_sales_order(cls.customer, item, rate=100)
		frappe.db.set_value("Sales Order", submitted.name, "docstatus", 1)
		draft = make_sales_order(cls.customer, item, rate=50)
		for order in (submitted, draft):
			insert_link(c["c7"], "Sales Order", order.name)

	def day_filters(self, **filters) -> dict:
		return {
			"from_date": str(DAY.date()),
			"to_date": str(DAY.date()),
			"provider": self.provider,
			**filters,
		}

	def scope(self, **filters) -> metrics.Scope:
		return metrics.Scope.of_report(self.day_filters(**filters))

	def as_user(self, user: str, report, **filters):
		"""The report as the desk asks for it (frappe.desk.query_report.run): its columns and rows."""
		frappe.set_user(user)
		try:
			answer = run_report(REPORT_NAMES[report], self.day_filters(**filters))
		finally:
			frappe.set_user("Administrator")
		return answer["columns"], answer["result"]

	def test_agent_performance(self):
		rows = {row["agent"]: row for row in metrics.agent_performance(self.scope())}
		ann, bob = rows[self.ann], rows[self.bob]
		self.assertEqual((ann["calls_in"], ann["calls_out"], ann["answered"], ann["missed"]), (4, 1, 3, 1))
		self.assertEqual(ann["answer_rate"], 75.0)
		self.assertEqual((ann["avg_ring"], ann["p90_ring"]), (15.0, 30))
		self.assertEqual((ann["total_talk"], ann["avg_talk"]), (250, 62.5))
		self.assertEqual(
			(bob["calls_in"], bob["calls_out"], bob["missed"], bob["answer_rate"]), (2, 1, 2, 0.0)
		)
		self.assertEqual((bob["avg_ring"], bob["p90_ring"], bob["total_talk"]), (None, None, 100))

	def test_callbacks_closed_and_how_fast(self):
		rows = {row["agent"]: row for row in metrics.agent_performance(self.scope())}
		ann, bob = rows[self.ann], rows[self.bob]
		# c4's: 11:30:00 to 12:01:45 (1905 s); c8's: 13:00:00 to 14:00:00 (3600 s).
		self.assertEqual(
			(ann["callbacks"], ann["callbacks_closed"], ann["avg_callback_close"]), (2, 2, 2752.5)
		)
		self.assertEqual((bob["callbacks"], bob["callbacks_closed"], bob["avg_callback_close"]), (1, 0, None))

	def test_time_available_and_away(self):
		rows = {row["agent"]: row for row in metrics.agent_performance(self.scope())}
		ann, bob = rows[self.ann], rows[self.bob]
		# Ann: 00:00-12:00 and 13:00-18:00 Available, 12:00-13:00 Away.
		self.assertEqual((ann["available_time"], ann["away_time"]), (17 * 3600, 3600))
		# Bob: 09:00-09:30 Available, then Away until the day ends (his next change is the day after).
		self.assertEqual((bob["available_time"], bob["away_time"]), (1800, 14.5 * 3600))

	def test_grouping_by_a_users_hash_gives_the_exact_groups(self):
		scope = self.scope()
		hashed = metrics.grouped_by_user(
			metrics.calls_by_period_query, metrics.CALL_DOCTYPE, "agent", scope, "Day"
		)
		exact = frappe.db.sql(*metrics.calls_by_period_query(scope, "Day", exact=True), as_dict=True)
		self.assertEqual(sorted(hashed, key=str), sorted(exact, key=str))

	def test_users_whose_hashes_are_alike_are_grouped_exactly(self):
		"""With every hash alike the figures come from grouping by the text itself, and are the same."""
		hashed = metrics.agent_performance(self.scope())
		with patch.object(metrics.zlib, "crc32", return_value=1):
			self.assertEqual(metrics.agent_performance(self.scope()), hashed)

	def test_percentile_is_nearest_rank(self):
		self.assertEqual(metrics.percentile({value: 1 for value in range(1, 11)}, 0.9), 9)
		self.assertEqual(metrics.percentile({5: 8, 30: 2}, 0.9), 30)
		self.assertIsNone(metrics.percentile({}, 0.9))

	def test_answer_rate_counts_inbound_calls_only(self):
		# 3 of 6 inbound calls answered.
		self.assertEqual(metrics.answer_rate(self.scope()), 50.0)
		self.assertIsNone(metrics.answer_rate(self.scope(direction="Outbound")))

	def test_missed_calls_and_their_call_backs(self):
		rows = {row["call"]: row for row in metrics.missed_calls(self.scope())}
		c = self.calls
		self.assertEqual(set(rows), {c["c4"], c["c6"], c["c8"]})
		# c4: bob's answered call to its number at 12:00:05, before its call-back was closed.
		c4 = rows[c["c4"]]
		self.assertEqual(
			(c4["called_back"], c4["called_back_by"], c4["callback_call"]), (1, self.bob, c["c7"])
		)
		self.assertEqual((c4["called_back_at"], c4["time_to_call_back"]), (at("12:00:05"), 1805))
		# c8: no call to its number, its call-back closed by ann at 14:00.
		c8 = rows[c["c8"]]
		self.assertEqual(
			(c8["called_back"], c8["called_back_by"], c8["time_to_call_back"]), (1, self.ann, 3600)
		)
		self.assertEqual((rows[c["c6"]]["called_back"], rows[c["c6"]]["time_to_call_back"]), (0, None))
		not_called_back = metrics.missed_calls(self.scope(), not_called_back=True)
		self.assertEqual([row["call"] for row in not_called_back], [c["c6"]])

	def test_call_load(self):
		load = metrics.call_load(self.scope())
		self.assertEqual(load.by_hour, {(0, 10): 4, (0, 11): 2, (0, 12): 1, (0, 13): 1})
		# At 10:01:00 c1, c2, c6 and c5 are all on.
		self.assertEqual(load.peak_concurrent, 4)
		# Of 6 inbound calls, c1 (5 s) and c2 (10 s) answered within 20 s; c3 (30 s) within 30 s.
		self.assertAlmostEqual(load.service_level, 100 / 3)
		self.assertEqual(metrics.call_load(self.scope(), service_level=30).service_level, 50.0)
		# c4, c6 and c8 missed.
		self.assertEqual(load.abandonment_rate, 50.0)

	def test_calls_to_sales(self):
		rows = {row["agent"]: row for row in metrics.calls_to_sales(self.scope(), "Month")}
		ann, bob = rows[self.ann], rows[self.bob]
		self.assertEqual(ann["period"], DAY.date().replace(day=1))
		self.assertEqual((ann["calls"], ann["known_customers"]), (5, 1))
		# One opportunity on two of her calls counts once.
		self.assertEqual((ann["opportunities"], ann["opportunity_value"]), (1, 1000.0))
		self.assertEqual((ann["sales_orders"], ann["sales_order_value"]), (0, 0.0))
		# The draft order is no sale.
		self.assertEqual((bob["calls"], bob["known_customers"]), (3, 1))
		self.assertEqual((bob["sales_orders"], bob["sales_order_value"], bob["opportunities"]), (1, 100.0, 0))

	def test_reports_return_columns_rows_and_chart(self):
		for report in (agent_performance, missed_calls, call_load, calls_to_sales):
			columns, rows, _message, chart, *_summary = report.execute(self.day_filters())
			fieldnames = {column["fieldname"] for column in columns}
			self.assertTrue(rows, report.__name__)
			self.assertTrue(set(rows[0]) <= fieldnames | {"indent"}, report.__name__)
			self.assertTrue(chart["data"]["datasets"], report.__name__)

	def test_call_load_report_grid(self):
		_columns, rows, _message, _chart, summary = call_load.execute(self.day_filters())
		ten = next(row for row in rows if row["hour"] == 10)
		self.assertEqual((ten["monday"], ten["tuesday"], ten["total"]), (4, 0, 4))
		figures = {item["label"]: item["value"] for item in summary}
		self.assertEqual(figures[frappe._("Peak Concurrent Calls")], 4)

	def test_agent_sees_only_own_rows(self):
		_columns, rows, *_rest = self.as_user(self.ann, agent_performance)
		self.assertEqual({row["agent"] for row in rows}, {self.ann})
		_columns, rows, *_rest = self.as_user(self.ann, missed_calls)
		self.assertEqual({row["call"] for row in rows}, {self.calls["c4"]})
		_columns, rows, *_rest = self.as_user(self.ann, call_load)
		self.assertEqual(sum(row["total"] for row in rows), 5)
		_columns, rows, *_rest = self.as_user(self.ann, calls_to_sales)
		self.assertEqual({row["agent"] for row in rows}, {self.ann})
		# An agent may not read opportunities: none is counted for her.
		self.assertEqual(rows[0]["opportunities"], 0)

	def test_supervisor_sees_everyone(self):
		_columns, rows, *_rest = self.as_user(self.supervisor, agent_performance)
		self.assertTrue({self.ann, self.bob} <= {row["agent"] for row in rows})
		_columns, rows, *_rest = self.as_user(self.supervisor, missed_calls)
		self.assertEqual(len(rows), 3)

	def test_conditions_are_those_of_get_list(self):
		"""The grouped queries count exactly the calls frappe.get_list lists for the user."""
		for user in (self.ann, self.bob, self.supervisor):
			frappe.set_user(user)
			try:
				listed = frappe.get_list(
					metrics.CALL_DOCTYPE,
					filters={"provider": self.provider},
					pluck="name",
					limit_page_length=0,
				)
				self.assertEqual(len(self.scope()), len(listed))
			finally:
				frappe.set_user("Administrator")

	def test_queries_use_the_indexes(self):
		# A history of other agents' changes before the day, as a site has (the plan of a near-empty
		# table is no guide).
		history = [(f"u{n % 30}", "Available", "Away", DAY - timedelta(minutes=n)) for n in range(1, 3001)]
		insert_status_changes(*history)
		# And calls of other days and providers: the plan the queries get on a site with a history.
		now, run = frappe.utils.now(), unique("CALL-FILLER")
		fillers = [f"{run}-{n}" for n in range(3000)]
		frappe.db.bulk_insert(
			metrics.CALL_DOCTYPE,
			(
				"name",
				"provider",
				"call_id",
				"started_at",
				"direction",
				"status",
				"agent",
				"external_number",
				*AUDIT,
			),
			[
				(
					name,
					f"filler-{n % 3}",
					name,
					DAY - timedelta(hours=n + 1),
					"Inbound",
					"Missed",
					f"u{n % 30}",
					f"+7916{n:07d}",
					now,
					now,
					"Administrator",
					"Administrator",
				)
				for n, name in enumerate(fillers)
			],
		)
		# Every provider's calls, as a supervisor's report asks (a provider's alone may take its own index).
		scope = metrics.Scope(self.scope().start, self.scope().end)
		for (sql, values), index in (
			(metrics.agent_performance_query(scope), indexes.CALL_PERIOD),
			(metrics.load_by_minute_query(scope, 20), indexes.CALL_PERIOD),
			(metrics.ends_by_minute_query(scope), indexes.CALL_PERIOD),
			(metrics.calls_by_period_query(scope, "Month"), indexes.CALL_PERIOD),
			(metrics.missed_calls_query(scope), indexes.CALL_NUMBER_ANSWERED),
			(metrics.missed_calls_query(scope), indexes.CALL_STATUS_PERIOD),
			(metrics.sales_documents_query(scope, "Month", "Opportunity"), indexes.LINK_DOCUMENT),
			(metrics.last_status_before_query(scope), indexes.STATUS_CHANGE_USER),
			(metrics.status_sums_query(scope), indexes.STATUS_CHANGE_PERIOD),
		):
			# The index applies, and the table is read through an index (which one is the optimizer's
			# choice among those that apply, by the data's statistics), never scanned whole.
			plan = frappe.db.sql(f"explain {sql}", values, as_dict=True)
			reads = [row for row in plan if index in (row.possible_keys or "").split(",") or row.key == index]
			self.assertTrue(reads, f"{index} does not apply to: {sql}")
			self.assertTrue(all(row.key for row in reads), f"a full scan for: {sql}")
		frappe.db.delete(metrics.STATUS_CHANGE_DOCTYPE, {"user": ("in", {user for user, *_ in history})})
		frappe.db.delete(metrics.CALL_DOCTYPE, {"name": ("in", fillers)})


def insert_call(provider: str, **fields) -> str:
	"""A call row as the engine leaves it, with its agent among its participants."""
	name = unique("CALL-TEST")
	now = frappe.utils.now()
	audit = (now, now, "Administrator", "Administrator")
	columns = ("name", "provider", "call_id", *fields)
	frappe.db.bulk_insert(
		metrics.CALL_DOCTYPE, (*columns, *AUDIT), [(name, provider, name, *fields.values(), *audit)]
	)
	frappe.db.bulk_insert(
		"Telephony Call Participant",
		("name", "parent", "parenttype", "parentfield", "idx", "user", *AUDIT),
		[(unique("P"), name, metrics.CALL_DOCTYPE, "participants", 1, fields["agent"], *audit)],
	)
	return name


def insert_link(call: str, doctype: str, name: str) -> None:
	now = frappe.utils.now()
	frappe.db.bulk_insert(
		metrics.LINK_DOCTYPE,
		("name", "parent", "parenttype", "parentfield", "idx", "link_doctype", "link_name", *AUDIT),
		[
			(
				unique("L"),
				call,
				metrics.CALL_DOCTYPE,
				"links",
				1,
				doctype,
				name,
				now,
				now,
				"Administrator",
				"Administrator",
			)
		],
	)


def insert_callback(call: str, number: str, allocated_to: str, closed_at=None, closed_by=None) -> str:
	"""The call-back the app opens for the missed `call`, closed at `closed_at` by `closed_by` if given."""
	with callback_writes():
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"status": "Open",
				"allocated_to": allocated_to,
				"description": number,
				CALL_LINK_FIELD: call,
				NUMBER_FIELD: number,
			}
		).insert(ignore_permissions=True)
	if closed_at:
		frappe.db.set_value(
			"ToDo",
			todo.name,
			{"status": "Closed", "modified": closed_at, "modified_by": closed_by},
			update_modified=False,
		)
	return todo.name


def insert_status_changes(*changes) -> None:
	"""Availability log rows: (user, from status, to status, when)."""
	now = frappe.utils.now()
	frappe.db.bulk_insert(
		metrics.STATUS_CHANGE_DOCTYPE,
		("name", "user", "from_status", "to_status", "changed_at", "reason", *AUDIT),
		[
			(unique("S"), user, before, after, changed_at, "Chosen by the Agent", now, now, user, user)
			for user, before, after, changed_at in changes
		],
	)


def insert_opportunity(customer: str, amount: float) -> str:
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": customer,
			"opportunity_amount": amount,
			"conversion_rate": 1,
		}
	).insert(ignore_permissions=True)
	# In the company's currency, as the desk's form sets it.
	frappe.db.set_value("Opportunity", opportunity.name, "base_opportunity_amount", amount)
	return opportunity.name
