"""The Telephony workspace: its number cards and charts on known calls, for a supervisor and an agent, and
its onboarding, whose steps tick themselves off."""

from datetime import datetime, timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, format_time, formatdate, getdate, now_datetime

from telephony_crm import onboarding
from telephony_crm.analytics import cards
from telephony_crm.api import availability as availability_api
from telephony_crm.availability.status import AWAY
from telephony_crm.callbacks.fields import NUMBER_FIELD
from telephony_crm.callbacks.sync import sync_callback
from telephony_crm.calls.engine import process_event
from telephony_crm.calls.events import CallStatus, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.roles import SUPERVISOR_ROLE, TELEPHONY_ROLES
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_provider,
	make_sip_account,
	make_user,
	telephony_settings,
	unique,
	unique_mobile,
	use_region,
)

CALLBACKS_TO_NOBODY = {
	"callbacks_enabled": 1,
	"callback_fallback_user": None,
	"callback_fallback_role": None,
	"callback_after_hours_user": None,
	"callback_after_hours_role": None,
	"callback_working_days": "Every day",
	"callback_work_start": None,
	"callback_work_end": None,
}


def earlier_today() -> datetime:
	"""A moment of today a few minutes ago (just after midnight when it is earlier than that)."""
	now = now_datetime()
	return max(now - timedelta(minutes=5), datetime.combine(now.date(), datetime.min.time()))


class TestWorkspaceFigures(FrappeTestCase):
	"""Calls on one provider, through the engine (committed), and the call-backs their jobs make.

	Today: Ann (201) answered one call after 5 s and missed one from N1 after 25 s; Bob (202) answered two
	(after 15 and 10 s) and missed one from N2 after 40 s. Eight days ago Bob missed N1, and Ann missed
	N3 and then answered it (its call-back closed). Bob is Away."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_region()
		cls.provider = make_provider().name
		cls.ann, cls.bob = make_user(prefix="ann"), make_user(prefix="bob")
		cls.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		make_sip_account(cls.ann, cls.provider, "201")
		make_sip_account(cls.bob, cls.provider, "202")
		cls.numbers = n1, n2, n3 = unique_mobile(), unique_mobile(), unique_mobile()
		cls.today, cls.before = (
			earlier_today(),
			datetime.combine(add_days(getdate(), -8), datetime.min.time()),
		)
		cls.before = cls.before.replace(hour=10)
		with telephony_settings(**CALLBACKS_TO_NOBODY):
			cls.missed(n1, "202", 30, cls.before)
			cls.missed(n3, "201", 20, cls.before)
			cls.answered(n3, "201", 5, cls.before + timedelta(minutes=30))
			cls.answered(unique_mobile(), "201", 5, cls.today)
			cls.missed(n1, "201", 25, cls.today)
			cls.answered(unique_mobile(), "202", 15, cls.today)
			cls.answered(unique_mobile(), "202", 10, cls.today)
			cls.missed(n2, "202", 40, cls.today)
		frappe.set_user(cls.bob)
		availability_api.set_status(AWAY)
		frappe.set_user("Administrator")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)
		for todo in frappe.get_all("ToDo", {NUMBER_FIELD: ("in", cls.numbers)}, pluck="name"):
			frappe.delete_doc("ToDo", todo, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	@classmethod
	def record(cls, *events) -> None:
		"""Commit the events, then run the call-back jobs they queued, as a worker would."""
		with patch("telephony_crm.callbacks.follow.frappe.enqueue") as enqueue:
			for event in events:
				commit_event(event)
		for job in enqueue.call_args_list:
			sync_callback(job.kwargs["call"])

	@classmethod
	def missed(cls, number: str, extension: str, wait: int, start: datetime) -> None:
		call_id, where = unique("missed"), {"caller": number, "extension": extension, "start": start}
		cls.record(
			call_event(cls.provider, call_id, EventType.RINGING, **where),
			call_event(cls.provider, call_id, EventType.ENDED, wait, **where),
		)

	@classmethod
	def answered(cls, number: str, extension: str, ring: int, start: datetime) -> None:
		call_id, where = unique("answered"), {"caller": number, "extension": extension, "start": start}
		cls.record(
			call_event(cls.provider, call_id, EventType.RINGING, **where),
			call_event(cls.provider, call_id, EventType.ANSWERED, ring, **where),
			call_event(
				cls.provider, call_id, EventType.ENDED, ring + 60, end_status=CallStatus.COMPLETED, **where
			),
		)

	def figure(self, method, user: str):
		frappe.set_user(user)
		try:
			answer = method(filters=frappe.as_json({"provider": self.provider}))
		finally:
			frappe.set_user("Administrator")
		return answer["value"] if isinstance(answer, dict) else answer

	def chart(self, method, user: str) -> dict:
		frappe.set_user(user)
		try:
			return method(chart_name=None, filters=frappe.as_json({"provider": self.provider}))
		finally:
			frappe.set_user("Administrator")

	def test_calls_today(self):
		self.assertEqual(self.figure(cards.calls_today, self.supervisor), 5)
		self.assertEqual(self.figure(cards.calls_today, self.ann), 2)

	def test_answered_share_of_todays_inbound_calls(self):
		self.assertEqual(self.figure(cards.answered_today, self.supervisor), 60.0)
		self.assertEqual(self.figure(cards.answered_today, self.ann), 50.0)

	def test_average_wait_today(self):
		# (5 + 25 + 15 + 40 + 10) / 5 and (5 + 25) / 2
		self.assertEqual(self.figure(cards.average_wait_today, self.supervisor), 19)
		self.assertEqual(self.figure(cards.average_wait_today, self.ann), 15)

	def test_nothing_to_measure_without_calls(self):
		frappe.set_user(self.ann)
		try:
			empty = frappe.as_json({"provider": make_provider().name})
			self.assertEqual(cards.answered_today(filters=empty), cards.NOTHING_TO_MEASURE)
			self.assertEqual(cards.average_wait_today(filters=empty), cards.NOTHING_TO_MEASURE)
		finally:
			frappe.set_user("Administrator")

	def test_missed_calls_not_called_back(self):
		# N1's call-back counts two calls (Bob's, then Ann's), N2's one; N3's was closed by Ann's answer.
		self.assertEqual(self.figure(cards.missed_not_called_back, self.supervisor), 3)
		self.assertEqual(self.figure(cards.missed_not_called_back, self.ann), 1)
		self.assertEqual(self.figure(cards.missed_not_called_back, self.bob), 2)

	def test_agents_available_now(self):
		self.assertEqual(self.figure(cards.agents_available_now, self.supervisor), 1)
		self.assertEqual(self.figure(cards.agents_available_now, self.ann), 1)
		self.assertEqual(self.figure(cards.agents_available_now, self.bob), 0)

	def test_calls_per_day_by_status(self):
		labels_at = {formatdate(self.today): -1, formatdate(self.before): -9}
		for user, expected in (
			(self.supervisor, {"Completed": (3, 1), "Missed": (2, 2)}),
			(self.ann, {"Completed": (1, 1), "Missed": (1, 1)}),
		):
			data = self.chart(cards.calls_per_day_by_status, user)
			self.assertEqual(len(data["labels"]), cards.CHART_DAYS)
			self.assertEqual([data["labels"][at] for at in labels_at.values()], list(labels_at))
			by_status = {dataset["name"]: dataset["values"] for dataset in data["datasets"]}
			self.assertEqual(set(by_status), set(expected))
			for status, (today, before) in expected.items():
				self.assertEqual((by_status[status][-1], by_status[status][-9]), (today, before))
				self.assertEqual(sum(by_status[status]), today + before)

	def test_calls_by_hour_this_week(self):
		# Eight days ago is never this week.
		hour = self.today.hour
		for user, calls in ((self.supervisor, 5), (self.ann, 2)):
			data = self.chart(cards.calls_by_hour_this_week, user)
			self.assertEqual(
				data["labels"][hour],
				format_time(self.today.time().replace(minute=0, second=0, microsecond=0)),
			)
			(dataset,) = data["datasets"]
			self.assertEqual(dataset["values"], [calls if at == hour else 0 for at in range(24)])


class TestOnboarding(FrappeTestCase):
	"""On a site with none of the steps' records (removed in the test's own transaction, rolled back at
	the end; a commit would keep the removal, so the test refuses any)."""

	def setUp(self):
		no_commit = patch.object(frappe.db, "commit", side_effect=AssertionError("this test must not commit"))
		no_commit.start()
		self.addCleanup(frappe.db.rollback)
		self.addCleanup(no_commit.stop)
		use_region()
		for doctype in ("Telephony Call Log", "SIP Account", "Telephony Provider Settings"):
			frappe.db.delete(doctype)
		frappe.db.delete("Has Role", {"parenttype": "User", "role": ("in", TELEPHONY_ROLES)})
		for step in onboarding.DONE_WHEN:
			frappe.db.set_value(onboarding.STEP_DOCTYPE, step, {"is_complete": 0, "is_skipped": 0})

	def done(self) -> set[str]:
		return set(
			frappe.get_all(
				onboarding.STEP_DOCTYPE,
				{"name": ("in", list(onboarding.DONE_WHEN)), "is_complete": 1},
				pluck="name",
			)
		)

	def test_steps_tick_off_as_their_records_appear(self):
		onboarding.tick_done_steps()
		self.assertEqual(self.done(), set())

		provider = make_provider().name
		self.assertEqual(self.done(), {onboarding.CONNECT_PROVIDER})

		user = make_user()
		self.assertEqual(self.done(), {onboarding.CONNECT_PROVIDER, onboarding.GIVE_ROLES})

		make_sip_account(user, provider, "201")
		self.assertEqual(self.done(), set(onboarding.DONE_WHEN) - {onboarding.TEST_CALL})

		process_event(
			call_event(provider, unique("first"), EventType.RINGING, extension="201", start=earlier_today())
		)
		self.assertEqual(self.done(), set(onboarding.DONE_WHEN))
		self.assertTrue(frappe.get_doc("Module Onboarding", "Telephony").check_completion())

	def test_migrate_ticks_off_what_exists_already(self):
		provider = make_provider().name
		frappe.db.set_value(onboarding.STEP_DOCTYPE, onboarding.CONNECT_PROVIDER, "is_complete", 0)
		self.assertEqual(self.done(), set())
		onboarding.tick_done_steps()
		self.assertEqual(self.done(), {onboarding.CONNECT_PROVIDER})
		self.assertTrue(frappe.db.exists("Telephony Provider Settings", provider))
