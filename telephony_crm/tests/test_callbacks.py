"""Missed calls become call-backs: whom they go to, one per number, closed by the next answered call."""

import threading
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.api import calls as api
from telephony_crm.callbacks import sync
from telephony_crm.callbacks.fields import COUNT_FIELD, LAST_MISSED_FIELD, NUMBER_FIELD, PENDING_FIELD
from telephony_crm.callbacks.follow import queue_pending_syncs
from telephony_crm.callbacks.sync import number_lock_name, sync_callback
from telephony_crm.callbacks.todo import CallbackFieldsError
from telephony_crm.calls.events import CallStatus, Direction, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.calls.times import site_now
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_contact,
	make_customer,
	make_lead,
	make_provider,
	make_sip_account,
	make_user,
	run_at_once,
	telephony_settings,
	unique,
	unique_mobile,
	use_region,
)
from telephony_crm.tests.stub_pbx import StubPBX

CALL = "Telephony Call Log"
RINGING, ANSWERED, ENDED = EventType.RINGING, EventType.ANSWERED, EventType.ENDED
NO_FALLBACK = {
	"callbacks_enabled": 1,
	"last_talker_window_hours": 24,
	"callback_fallback_user": None,
	"callback_fallback_role": None,
	"callback_after_hours_user": None,
	"callback_after_hours_role": None,
	"callback_working_days": "Every day",
	"callback_work_start": None,
	"callback_work_end": None,
}


class CallbackCase(FrappeTestCase):
	"""Calls go through the engine (committed, as a PBX's events are); the jobs its follower queues run
	as a worker would run them, after the commit."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_region()
		cls.provider = make_provider().name
		cls.agent = make_user(prefix="agent")
		make_sip_account(cls.agent, cls.provider, "101")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		self.numbers = []
		self.settings = telephony_settings(**NO_FALLBACK)
		self.settings.__enter__()

	def tearDown(self):
		frappe.set_user("Administrator")
		self.settings.__exit__(None, None, None)
		for number in self.numbers:
			for todo in frappe.get_all("ToDo", {NUMBER_FIELD: number}, pluck="name"):
				frappe.delete_doc("ToDo", todo, ignore_permissions=True, force=True)
		frappe.db.commit()

	def number(self) -> str:
		number = unique_mobile()
		self.numbers.append(number)
		return number

	def call(self, *events, run_jobs: bool = True) -> str:
		"""Record the events (committed), then run the jobs queued for after the commit."""
		with patch("telephony_crm.callbacks.follow.frappe.enqueue") as enqueue:
			for event in events:
				result = commit_event(event)
		for job in enqueue.call_args_list if run_jobs else ():
			sync_callback(job.kwargs["call"])
		return result.name

	def missed(self, number, start=None, wait=25, provider=None, extension="101") -> str:
		call_id, start = unique("missed"), start or site_now() - timedelta(minutes=30)
		provider = provider or self.provider
		return self.call(
			call_event(provider, call_id, RINGING, caller=number, extension=extension, start=start),
			call_event(provider, call_id, ENDED, wait, caller=number, extension=extension, start=start),
		)

	def answered(self, number, start=None, extension="101", direction=Direction.INBOUND) -> str:
		call_id, start = unique("answered"), start or site_now() - timedelta(minutes=5)
		numbers = (
			{"caller": number, "called": "+74950000000"}
			if direction == Direction.INBOUND
			else {"caller": extension, "called": number}
		)
		kwargs = {"extension": extension, "direction": direction, "start": start, **numbers}
		return self.call(
			call_event(self.provider, call_id, RINGING, **kwargs),
			call_event(self.provider, call_id, ANSWERED, 5, **kwargs),
			call_event(self.provider, call_id, ENDED, 65, end_status=CallStatus.COMPLETED, **kwargs),
		)

	def callbacks(self, number) -> list:
		return [
			frappe.get_doc("ToDo", name)
			for name in frappe.get_all("ToDo", {NUMBER_FIELD: number}, pluck="name", order_by="creation")
		]

	def callback(self, number):
		(todo,) = self.callbacks(number)
		return todo

	def assignee(self, number) -> str | None:
		return self.callback(number).allocated_to


class TestAssignment(CallbackCase):
	def test_the_customers_account_manager(self):
		number, manager = self.number(), make_user(prefix="manager")
		customer = make_customer()
		frappe.db.set_value("Customer", customer.name, "account_manager", manager)
		make_contact([number], customer=customer.name)
		call = self.missed(number)

		todo = self.callback(number)
		self.assertEqual(todo.allocated_to, manager)
		self.assertEqual((todo.reference_type, todo.reference_name), ("Customer", customer.name))
		self.assertEqual(todo.status, "Open")
		self.assertEqual(todo.telephony_call, call)
		self.assertEqual(todo.get(COUNT_FIELD), 1)
		self.assertIn(number, todo.description)
		self.assertIn("waited 25 s", todo.description)
		links = frappe.get_doc(CALL, call).links
		self.assertIn(("ToDo", todo.name), [(row.link_doctype, row.link_name) for row in links])
		why = frappe.get_all(
			"Comment",
			{"reference_doctype": "ToDo", "reference_name": todo.name, "comment_type": "Info"},
			pluck="content",
		)
		self.assertEqual(len(why), 1)
		self.assertIn("Account Manager", why[0])

	def test_the_lead_owner(self):
		number, owner = self.number(), make_user(prefix="owner")
		lead = make_lead(mobile_no=number)
		frappe.db.set_value("Lead", lead.name, "lead_owner", owner)
		call = frappe.get_doc(CALL, self.missed(number))
		todo = self.callback(number)
		self.assertEqual(todo.allocated_to, owner)
		# ERPNext made a Contact for the lead: the caller is identified as the contact.
		self.assertEqual((todo.reference_type, todo.reference_name), ("Contact", call.contact))
		self.assertIn(lead.name, [link.link_name for link in frappe.get_doc("Contact", call.contact).links])

	def test_the_contacts_owner(self):
		number, owner = self.number(), make_user(prefix="owner")
		contact = make_contact([number])
		frappe.db.set_value("Contact", contact.name, "owner", owner)
		self.missed(number)
		self.assertEqual(self.assignee(number), owner)

	def test_a_disabled_account_manager_is_nobodys_manager(self):
		number, manager, fallback = self.number(), make_user(prefix="manager"), make_user(prefix="fallback")
		customer = make_customer()
		frappe.db.set_value("Customer", customer.name, "account_manager", manager)
		frappe.db.set_value("User", manager, "enabled", 0)
		make_contact([number], customer=customer.name)
		with telephony_settings(callback_fallback_user=fallback):
			self.missed(number)
		self.assertEqual(self.assignee(number), fallback)

	def test_the_agent_who_last_talked_with_the_number_within_the_window(self):
		number, colleague = self.number(), make_user(prefix="colleague")
		make_sip_account(colleague, self.provider, "102")
		self.answered(number, start=site_now() - timedelta(hours=23), extension="102")
		self.missed(number)
		self.assertEqual(self.assignee(number), colleague)

	def test_not_the_one_who_talked_before_the_window(self):
		number, colleague, fallback = (
			self.number(),
			make_user(prefix="colleague"),
			make_user(prefix="fallback"),
		)
		make_sip_account(colleague, self.provider, "103")
		self.answered(number, start=site_now() - timedelta(hours=30), extension="103")
		with telephony_settings(callback_fallback_user=fallback):
			self.missed(number)
		self.assertEqual(self.assignee(number), fallback)

	def test_the_window_is_a_setting(self):
		number, colleague = self.number(), make_user(prefix="colleague")
		make_sip_account(colleague, self.provider, "104")
		self.answered(number, start=site_now() - timedelta(hours=30), extension="104")
		with telephony_settings(last_talker_window_hours=48):
			self.missed(number)
		self.assertEqual(self.assignee(number), colleague)

	def test_the_fallback_user(self):
		number, fallback = self.number(), make_user(prefix="fallback")
		with telephony_settings(callback_fallback_user=fallback):
			self.missed(number)
		self.assertEqual(self.assignee(number), fallback)

	def test_the_fallback_roles_members_in_turn(self):
		role = make_role()
		members = sorted(make_user(roles=(role,), prefix="shift") for _ in range(2))
		numbers = [self.number() for _ in range(3)]
		with telephony_settings(callback_fallback_role=role):
			for number in numbers:
				self.missed(number)
		assignees = [self.assignee(number) for number in numbers]
		self.assertEqual(sorted(assignees[:2]), members)
		self.assertEqual(assignees[2], assignees[0])

	def test_nobody_to_assign_leaves_it_open_for_the_supervisors(self):
		number = self.number()
		self.missed(number)
		todo = self.callback(number)
		self.assertEqual((todo.status, todo.allocated_to), ("Open", None))

	def test_out_of_hours_calls_go_to_the_after_hours_fallback(self):
		day, night = make_user(prefix="day"), make_user(prefix="night")
		yesterday = (site_now() - timedelta(days=1)).date()
		evening, morning = self.number(), self.number()
		hours = {
			"callback_work_start": "09:00:00",
			"callback_work_end": "18:00:00",
			"callback_fallback_user": day,
			"callback_after_hours_user": night,
		}
		with telephony_settings(**hours):
			self.missed(evening, start=datetime.combine(yesterday, time(20, 0)))
			self.missed(morning, start=datetime.combine(yesterday, time(10, 0)))
		self.assertEqual((self.assignee(evening), self.assignee(morning)), (night, day))

	def test_the_responsible_manager_comes_first_out_of_hours_too(self):
		number, manager, night = self.number(), make_user(prefix="manager"), make_user(prefix="night")
		lead = make_lead(mobile_no=number)
		frappe.db.set_value("Lead", lead.name, "lead_owner", manager)
		yesterday = (site_now() - timedelta(days=1)).date()
		hours = {"callback_work_start": "09:00:00", "callback_work_end": "18:00:00"}
		with telephony_settings(callback_after_hours_user=night, **hours):
			self.missed(number, start=datetime.combine(yesterday, time(22, 0)))
		self.assertEqual(self.assignee(number), manager)


class TestOneCallbackPerNumber(CallbackCase):
	def test_more_missed_calls_add_to_the_open_callback(self):
		number = self.number()
		first_at = site_now() - timedelta(minutes=40)
		self.missed(number, start=first_at)
		self.missed(number, start=first_at + timedelta(minutes=10), wait=40)
		todo = self.callback(number)
		self.assertEqual(todo.get(COUNT_FIELD), 2)
		self.assertEqual(
			frappe.utils.get_datetime(todo.get(LAST_MISSED_FIELD)),
			first_at + timedelta(minutes=10),
		)
		self.assertIn("Missed 2 times", todo.description)
		self.assertIn("waited 40 s", todo.description)

	def test_a_job_run_twice_counts_the_call_once(self):
		number = self.number()
		call = self.missed(number)
		sync_callback(call)
		self.assertEqual(self.callback(number).get(COUNT_FIELD), 1)

	def test_two_missed_calls_of_one_number_in_two_workers_at_once(self):
		number = self.number()
		start = site_now() - timedelta(minutes=20)
		calls = [
			self.call(
				call_event(self.provider, call_id, RINGING, caller=number, start=start),
				call_event(self.provider, call_id, ENDED, 20, caller=number, start=start),
				run_jobs=False,
			)
			for call_id in (unique("both"), unique("both"))
		]
		self.assertEqual(self.callbacks(number), [])
		run_at_once([lambda call=call: sync_callback(call) for call in calls])

		todo = self.callback(number)
		self.assertEqual(todo.get(COUNT_FIELD), 2)
		for call in calls:
			links = frappe.get_doc(CALL, call).links
			self.assertIn(("ToDo", todo.name), [(row.link_doctype, row.link_name) for row in links])

	def test_a_missed_call_already_answered_by_a_later_call_gets_none(self):
		number = self.number()
		start = site_now() - timedelta(minutes=30)
		late = self.call(
			call_event(self.provider, "late-" + number, RINGING, caller=number, start=start),
			call_event(self.provider, "late-" + number, ENDED, 20, caller=number, start=start),
			run_jobs=False,
		)
		self.answered(number, start=start + timedelta(minutes=5))
		sync_callback(late)  # the missed call's job, run only now
		self.assertEqual(self.callbacks(number), [])


class TestNoMissedCallLost(CallbackCase):
	"""A job that cannot do its work leaves the call marked; the scheduler queues it again."""

	def missed_unsynced(self, number) -> str:
		start = site_now() - timedelta(minutes=20)
		call_id = unique("unsynced")
		return self.call(
			call_event(self.provider, call_id, RINGING, caller=number, start=start),
			call_event(self.provider, call_id, ENDED, 20, caller=number, start=start),
			run_jobs=False,
		)

	def pending(self, call) -> int:
		return frappe.db.get_value(CALL, call, PENDING_FIELD)

	def test_a_call_is_marked_until_its_job_has_run(self):
		number = self.number()
		call = self.missed_unsynced(number)
		self.assertEqual(self.pending(call), 1)
		sync_callback(call)
		self.assertEqual(self.pending(call), 0)
		self.assertEqual(self.callback(number).get(COUNT_FIELD), 1)

	def test_a_number_locked_too_long_leaves_the_call_to_the_next_minute(self):
		number = self.number()
		call = self.missed_unsynced(number)
		held, finished = threading.Event(), threading.Event()

		def hold_the_lock():
			frappe.db.sql("SELECT GET_LOCK(%s, 5)", (number_lock_name(number),))
			held.set()
			finished.wait(10)
			frappe.db.sql("SELECT RELEASE_LOCK(%s)", (number_lock_name(number),))

		def run_the_job():
			held.wait(10)
			try:
				sync_callback(call)
			finally:
				finished.set()

		with patch.object(sync, "LOCK_TIMEOUT_SECONDS", 1):
			run_at_once([hold_the_lock, run_the_job])
		self.assertEqual(self.callbacks(number), [])
		self.assertEqual(self.pending(call), 1)

		with patch("telephony_crm.callbacks.follow.frappe.enqueue") as enqueue:
			queue_pending_syncs()
		queued = [job.kwargs["call"] for job in enqueue.call_args_list]
		self.assertIn(call, queued)
		sync_callback(call)
		self.assertEqual(self.callback(number).get(COUNT_FIELD), 1)
		self.assertEqual(self.pending(call), 0)

	def test_a_change_of_the_call_while_its_job_runs_keeps_the_mark(self):
		number = self.number()
		call = self.missed_unsynced(number)
		modified = frappe.db.get_value(CALL, call, "modified")
		frappe.db.set_value(CALL, call, "modified", modified + timedelta(seconds=1), update_modified=False)
		sync._unmark(call, modified)
		self.assertEqual(self.pending(call), 1)

	def test_nobody_sets_the_mark(self):
		call = self.missed_unsynced(self.number())
		sync_callback(call)
		doc = frappe.get_doc(CALL, call)
		doc.set(PENDING_FIELD, 1)
		self.assertRaises(frappe.PermissionError, doc.save, ignore_permissions=True)


class TestClosing(CallbackCase):
	def test_a_later_inbound_answered_call_closes_it_with_a_comment(self):
		number = self.number()
		self.missed(number, start=site_now() - timedelta(minutes=30))
		answered = self.answered(number)
		todo = self.callback(number)
		self.assertEqual(todo.status, "Closed")
		comments = frappe.get_all(
			"Comment",
			{"reference_doctype": "ToDo", "reference_name": todo.name, "comment_type": "Comment"},
			pluck="content",
		)
		self.assertEqual(len(comments), 1)
		self.assertIn(answered, comments[0])
		self.assertIn("Inbound", comments[0])

	def test_an_outbound_answered_call_closes_it(self):
		number = self.number()
		self.missed(number, start=site_now() - timedelta(minutes=30))
		answered = self.answered(number, direction=Direction.OUTBOUND)
		todo = self.callback(number)
		self.assertEqual(todo.status, "Closed")
		links = frappe.get_doc(CALL, answered).links
		self.assertIn(("ToDo", todo.name), [(row.link_doctype, row.link_name) for row in links])

	def test_a_new_missed_call_after_closing_opens_a_new_one(self):
		number = self.number()
		self.missed(number, start=site_now() - timedelta(minutes=50))
		self.answered(number, start=site_now() - timedelta(minutes=40))
		self.missed(number, start=site_now() - timedelta(minutes=10))
		self.assertEqual([todo.status for todo in self.callbacks(number)], ["Closed", "Open"])
		self.assertEqual(self.callbacks(number)[1].get(COUNT_FIELD), 1)

	def test_an_unanswered_call_leaves_it_open(self):
		number = self.number()
		self.missed(number, start=site_now() - timedelta(minutes=30))
		call_id, start = unique("out"), site_now() - timedelta(minutes=5)
		out = {"direction": Direction.OUTBOUND, "caller": "101", "called": number, "start": start}
		self.call(
			call_event(self.provider, call_id, RINGING, **out),
			call_event(self.provider, call_id, ENDED, 30, end_status=CallStatus.NO_ANSWER, **out),
		)
		self.assertEqual(self.callback(number).status, "Open")


class TestSettings(CallbackCase):
	def test_switched_off_nothing_is_queued(self):
		number = self.number()
		with (
			telephony_settings(callbacks_enabled=0),
			patch("telephony_crm.callbacks.follow.frappe.enqueue") as enqueue,
		):
			call_id = unique("off")
			for kind, seconds in ((RINGING, 0), (ENDED, 20)):
				commit_event(call_event(self.provider, call_id, kind, seconds, caller=number))
		enqueue.assert_not_called()
		self.assertEqual(self.callbacks(number), [])

	def test_only_the_providers_listed(self):
		other = make_provider().name
		listed, unlisted = self.number(), self.number()
		with callback_providers(self.provider):
			self.missed(listed)
			self.missed(unlisted, provider=other)
		self.assertEqual(len(self.callbacks(listed)), 1)
		self.assertEqual(self.callbacks(unlisted), [])
		delete_calls(other)


class TestTheDesk(CallbackCase):
	def test_the_popup_of_a_call_from_the_number_says_who_calls_back(self):
		number, manager = self.number(), make_user(prefix="manager")
		make_sip_account(manager, self.provider, "106")
		lead = make_lead(mobile_no=number)
		frappe.db.set_value("Lead", lead.name, "lead_owner", manager)
		first = self.missed(number, start=site_now() - timedelta(minutes=50))
		for minutes in (40, 30):
			self.missed(number, start=site_now() - timedelta(minutes=minutes))
		# It rings the agent and the manager.
		call_id = unique("ringing")
		for extension in ("101", "106"):
			ringing = commit_event(
				call_event(self.provider, call_id, RINGING, caller=number, extension=extension)
			).name
		todo = self.callback(number)

		frappe.set_user(self.agent)
		line = api.get_call_context(ringing)["callback"]
		self.assertEqual((line["name"], line["missed_calls"], line["assigned_to"]), (todo.name, 3, manager))
		self.assertEqual(line["first_missed_at"], frappe.db.get_value(CALL, first, "started_at"))
		self.assertFalse(line["readable"], "the agent may not open a colleague's ToDo")
		frappe.set_user(manager)
		self.assertTrue(api.get_call_context(ringing)["callback"]["readable"])

	def test_no_line_without_an_open_callback(self):
		call = self.answered(self.number())
		self.assertIsNone(api.get_call_context(call)["callback"])

	def test_calling_back_from_the_todo_links_the_call_and_closes_it_when_answered(self):
		number = self.number()
		with telephony_settings(callback_fallback_user=self.agent):
			self.missed(number)
		todo = self.callback(number)
		provider = frappe.get_doc("Telephony Provider Settings", self.provider)
		with StubPBX() as stub:
			provider.control_url = stub.url
			provider.save(ignore_permissions=True)
			frappe.set_user(self.agent)
			with patch("telephony_crm.callbacks.follow.frappe.enqueue") as enqueue:
				placed = api.place_call(number, "ToDo", todo.name)
		frappe.set_user("Administrator")
		call = frappe.get_doc(CALL, placed["call"])
		self.assertIn(
			("ToDo", todo.name, "Placed From"),
			[(row.link_doctype, row.link_name, row.origin) for row in call.links],
		)
		enqueue.assert_not_called()  # ringing: nothing to do yet
		command = stub.commands[0]["json"]
		out = {
			"direction": Direction.OUTBOUND,
			"caller": "101",
			"called": command["number"],
			"start": site_now(),
		}
		self.call(
			call_event(self.provider, call.call_id, ANSWERED, 3, **out),
			call_event(self.provider, call.call_id, ENDED, 60, **out),
		)
		self.assertEqual(self.callback(number).status, "Closed")

	def test_nobody_makes_a_todo_of_their_own_a_callback(self):
		number = self.number()
		frappe.set_user(self.agent)
		mine = {"doctype": "ToDo", "description": "mine", "allocated_to": self.agent}
		with self.assertRaises(CallbackFieldsError):
			frappe.get_doc({**mine, COUNT_FIELD: 1}).insert()
		# The number is at a permission level nobody writes: Frappe does not store it.
		todo = frappe.get_doc({**mine, NUMBER_FIELD: number}).insert()
		self.assertIsNone(frappe.db.get_value("ToDo", todo.name, NUMBER_FIELD))
		frappe.set_user("Administrator")
		todo.delete(ignore_permissions=True)
		with telephony_settings(callback_fallback_user=self.agent):
			self.missed(number)
		todo = self.callback(number)
		frappe.set_user(self.agent)
		todo.set(COUNT_FIELD, 100)
		with self.assertRaises(CallbackFieldsError):
			todo.save()
		# The form sends the call-back's fields back as text with every save: that changes nothing.
		todo.reload()
		for field in (COUNT_FIELD, LAST_MISSED_FIELD):
			todo.set(field, str(todo.get(field)))
		todo.status = "Closed"
		todo.save()


def make_role() -> str:
	role = unique("Callback Shift")
	frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(ignore_permissions=True)
	return role


@contextmanager
def callback_providers(*providers):
	settings = frappe.get_single("Telephony Settings")
	settings.set("callback_providers", [{"provider": p} for p in providers])
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	try:
		yield
	finally:
		settings = frappe.get_single("Telephony Settings")
		settings.set("callback_providers", [])
		settings.save(ignore_permissions=True)
		frappe.db.commit()
