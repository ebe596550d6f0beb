"""Unknown callers become leads: when (the setting), what the lead holds, one per number, even at once."""

import time
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.callbacks.fields import NUMBER_FIELD
from telephony_crm.callbacks.sync import sync_callback
from telephony_crm.caller_id import unknown_callers
from telephony_crm.caller_id.unknown_callers import (
	ANSWERED,
	ANSWERED_AND_MISSED,
	LEAD_SOURCE,
	MISSED,
	NEVER,
	create_lead_source,
)
from telephony_crm.calls.events import CallStatus, Direction, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.realtime import CALL_EVENT
from telephony_crm.tests.client import post_webhook
from telephony_crm.tests.factories import (
	call_event,
	commit_at_once,
	delete_calls,
	make_contact,
	make_customer,
	make_lead,
	make_provider,
	make_sip_account,
	make_user,
	telephony_settings,
	unique,
	unique_mobile,
	use_region,
)

CALL = "Telephony Call Log"
# When each webhook event of a call happens, from its start.
SECONDS = {"ringing": 0, "answered": 5, "ended": 65}
RINGING, ANSWERED_EVENT, ENDED = EventType.RINGING, EventType.ANSWERED, EventType.ENDED
# Missed calls' owners come from the call-back rules: here, always the fallback user (or nobody).
RESPONSIBILITY = {
	"callbacks_enabled": 0,
	"last_talker_window_hours": 24,
	"callback_fallback_user": None,
	"callback_fallback_role": None,
	"callback_after_hours_user": None,
	"callback_after_hours_role": None,
	"callback_working_days": "Every day",
	"callback_work_start": None,
	"callback_work_end": None,
}


class UnknownCallerCase(FrappeTestCase):
	"""Calls go through the engine and are committed, as a PBX's events are."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_region()
		cls.provider = make_provider()
		cls.agent = make_user(prefix="agent")
		cls.fallback = make_user(prefix="fallback")
		make_sip_account(cls.agent, cls.provider.name, "101")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		self.numbers = []
		self.settings = telephony_settings(**RESPONSIBILITY)
		self.settings.__enter__()

	def tearDown(self):
		frappe.db.rollback()
		self.settings.__exit__(None, None, None)
		for number in self.numbers:
			for name in self.leads_of(number):
				frappe.delete_doc("Lead", name, ignore_permissions=True, force=True)
			for todo in frappe.get_all("ToDo", {NUMBER_FIELD: number}, pluck="name"):
				frappe.delete_doc("ToDo", todo, ignore_permissions=True, force=True)
		frappe.db.commit()

	def number(self) -> str:
		number = unique_mobile()
		self.numbers.append(number)
		return number

	def leads_of(self, number: str) -> list[str]:
		return frappe.get_all("Lead", or_filters={"mobile_no": number, "phone": number}, pluck="name")

	def lead_of(self, number: str):
		(name,) = self.leads_of(number)
		return frappe.get_doc("Lead", name)

	def ringing(self, number, direction=Direction.INBOUND, **kwargs) -> str:
		call_id = unique("unknown")
		commit_event(self.event(call_id, RINGING, number, direction, **kwargs))
		return call_id

	def answer(self, call_id, number, direction=Direction.INBOUND, **kwargs) -> str:
		return commit_event(self.event(call_id, ANSWERED_EVENT, number, direction, seconds=5, **kwargs)).name

	def end(self, call_id, number, direction=Direction.INBOUND, **kwargs) -> str:
		return commit_event(self.event(call_id, ENDED, number, direction, seconds=65, **kwargs)).name

	def event(self, call_id, kind, number, direction, seconds=0, extension="101", **kwargs):
		numbers = (
			{"caller": number, "called": "+74950000000"}
			if direction == Direction.INBOUND
			else {"caller": extension, "called": number}
		)
		return call_event(
			self.provider.name,
			call_id,
			kind,
			seconds,
			direction=direction,
			extension=extension,
			**numbers,
			**kwargs,
		)

	def answered(self, number, **kwargs) -> str:
		call_id = self.ringing(number, **kwargs)
		self.answer(call_id, number, **kwargs)
		return self.end(call_id, number, end_status=CallStatus.COMPLETED, **kwargs)

	def missed(self, number) -> str:
		return self.end(self.ringing(number), number)

	def call(self, name):
		return frappe.get_doc(CALL, name)


class TestWhenLeadsAreMade(UnknownCallerCase):
	def test_never_by_default(self):
		field = frappe.get_meta("Telephony Settings").get_field("unknown_caller_leads")
		self.assertEqual(field.default, NEVER)
		self.assertEqual(field.options.split("\n"), [NEVER, ANSWERED, MISSED, ANSWERED_AND_MISSED])
		answered, missed = self.number(), self.number()
		with telephony_settings(unknown_caller_leads=NEVER):
			answered_call, missed_call = self.answered(answered), self.missed(missed)
		self.assertEqual(self.leads_of(answered) + self.leads_of(missed), [])
		self.assertIsNone(self.call(answered_call).lead)
		self.assertEqual(self.call(missed_call).status, CallStatus.MISSED.value)
		self.assertIsNone(self.call(missed_call).lead)

	def test_answered_calls_get_a_lead_as_they_are_answered(self):
		number = self.number()
		with telephony_settings(unknown_caller_leads=ANSWERED):
			call_id = self.ringing(number)
			self.assertEqual(self.leads_of(number), [])  # ringing: nobody has taken it yet
			with patch("frappe.publish_realtime") as publish:
				name = self.answer(call_id, number)

			lead = self.lead_of(number)
			self.assertEqual(lead.lead_name, f"Unknown caller {number}")
			self.assertEqual(lead.source, LEAD_SOURCE)
			self.assertEqual(lead.phone, number)
			self.assertEqual(lead.lead_owner, self.agent)
			call = self.call(name)
			self.assertEqual(call.status, CallStatus.IN_PROGRESS.value)
			self.assertEqual((call.lead, call.caller_name), (lead.name, lead.lead_name))
			# The answering agent's popup is told, in the same event.
			told = [
				c.args[1]
				for c in publish.call_args_list
				if c.args[0] == CALL_EVENT and c.kwargs["user"] == self.agent
			]
			self.assertEqual((told[-1]["lead"], told[-1]["caller_name"]), (lead.name, lead.lead_name))
			self.assertTrue(told[-1]["is_active"])

			self.end(call_id, number, end_status=CallStatus.COMPLETED)
			missed = self.number()
			self.missed(missed)
		self.assertEqual(self.leads_of(number), [lead.name])
		self.assertEqual(self.call(name).lead, lead.name)
		self.assertEqual(self.leads_of(missed), [])  # answered calls only

	def test_missed_calls_get_a_lead_owned_by_whoever_calls_back(self):
		number, answered = self.number(), self.number()
		with telephony_settings(unknown_caller_leads=MISSED, callback_fallback_user=self.fallback):
			self.answered(answered)
			call_id = self.ringing(number)
			self.assertEqual(self.leads_of(number), [])
			name = self.end(call_id, number)
		lead = self.lead_of(number)
		self.assertEqual((lead.lead_name, lead.source), (f"Unknown caller {number}", LEAD_SOURCE))
		self.assertEqual(lead.lead_owner, self.fallback)
		self.assertEqual(self.call(name).status, CallStatus.MISSED.value)
		self.assertEqual(self.call(name).lead, lead.name)
		self.assertEqual(self.leads_of(answered), [])  # missed calls only

	def test_answered_and_missed(self):
		answered, missed = self.number(), self.number()
		with telephony_settings(unknown_caller_leads=ANSWERED_AND_MISSED):
			answered_call, missed_call = self.answered(answered), self.missed(missed)
		self.assertEqual(self.call(answered_call).lead, self.lead_of(answered).name)
		self.assertEqual(self.lead_of(answered).lead_owner, self.agent)
		self.assertEqual(self.call(missed_call).lead, self.lead_of(missed).name)
		# Nobody is responsible and no fallback is set: the lead has no owner (not the request's user).
		self.assertIsNone(self.lead_of(missed).lead_owner)

	def test_the_call_back_of_the_missed_call_is_for_the_new_lead(self):
		number = self.number()
		settings = {
			"unknown_caller_leads": MISSED,
			"callbacks_enabled": 1,
			"callback_fallback_user": self.fallback,
		}
		with (
			telephony_settings(**settings),
			patch("telephony_crm.callbacks.follow.frappe.enqueue") as enqueue,
		):
			name = self.missed(number)
			for job in enqueue.call_args_list:
				sync_callback(job.kwargs["call"])
		lead = self.lead_of(number)
		(todo,) = frappe.get_all(
			"ToDo", {NUMBER_FIELD: number}, ["reference_type", "reference_name", "allocated_to"]
		)
		self.assertEqual((todo.reference_type, todo.reference_name), ("Lead", lead.name))
		self.assertEqual(todo.allocated_to, self.fallback)
		self.assertEqual(self.call(name).lead, lead.name)


class TestWhoGetsNoLead(UnknownCallerCase):
	def setUp(self):
		super().setUp()
		self.leads = telephony_settings(unknown_caller_leads=ANSWERED_AND_MISSED)
		self.leads.__enter__()

	def tearDown(self):
		self.leads.__exit__(None, None, None)
		super().tearDown()

	def test_a_customers_contact(self):
		number = self.number()
		customer = make_customer()
		make_contact([number], customer=customer.name)
		frappe.db.commit()
		call = self.call(self.answered(number))
		self.assertEqual(call.customer, customer.name)
		self.assertIsNone(call.lead)
		self.assertEqual(self.leads_of(number), [])

	def test_an_existing_lead(self):
		number = self.number()
		lead = make_lead(mobile_no=number)
		frappe.db.commit()
		self.missed(number)
		self.answered(number)
		self.assertEqual(self.leads_of(number), [lead.name])

	def test_withheld_and_odd_numbers(self):
		before = frappe.db.count("Lead")
		for caller in (None, "anonymous", "sip:alice@example.com", "Unknown"):
			self.assertIsNone(self.call(self.answered(caller)).external_number)
			self.assertIsNone(self.call(self.missed(caller)).lead)
		self.assertEqual(frappe.db.count("Lead"), before)

	def test_outbound_and_internal_calls(self):
		number = self.number()
		outbound = self.call(self.answered(number, direction=Direction.OUTBOUND))
		unanswered = self.ringing(number, direction=Direction.OUTBOUND)
		self.end(unanswered, number, direction=Direction.OUTBOUND)
		internal = self.call(self.answered("102", direction=Direction.INTERNAL))
		self.assertEqual((outbound.direction, outbound.external_number), ("Outbound", number))
		self.assertEqual(internal.direction, "Internal")
		self.assertIsNone(outbound.lead or internal.lead)
		self.assertEqual(self.leads_of(number), [])

	def test_a_second_call_from_the_number_finds_the_first_ones_lead(self):
		number = self.number()
		first = self.call(self.answered(number))
		second = self.call(self.answered(number))
		third = self.call(self.missed(number))
		lead = self.lead_of(number)
		self.assertEqual(first.lead, lead.name)
		for call in (second, third):
			# Identified from the phone index: ERPNext gave the lead a Contact with its number, and the
			# caller is that contact and the lead.
			self.assertEqual(call.lead, lead.name)
			self.assertTrue(call.contact)


class TestTwoWorkersAtOnce(UnknownCallerCase):
	"""Each worker is a thread with its own site connection and transaction, holding its own call's lock."""

	def test_two_calls_from_one_unknown_number_make_one_lead(self):
		number = self.number()
		with telephony_settings(unknown_caller_leads=ANSWERED):
			calls = [self.ringing(number), self.ringing(number)]
			make_lead = unknown_callers._make_lead

			def slow_make_lead(*args):
				# The first worker holds the number's lock a while: the second's transaction has long
				# begun, and its snapshot cannot show the lead the first commits.
				made = make_lead(*args)
				time.sleep(1)
				return made

			failures = frappe.db.count("Error Log", {"method": ("like", "%unknown_callers%")})
			with patch.object(unknown_callers, "_make_lead", side_effect=slow_make_lead) as made:
				commit_at_once(
					[self.event(call_id, ANSWERED_EVENT, number, Direction.INBOUND, 5) for call_id in calls]
				)
		frappe.db.rollback()  # read what the workers committed
		self.assertEqual(made.call_count, 1)
		self.assertEqual(frappe.db.count("Error Log", {"method": ("like", "%unknown_callers%")}), failures)
		lead = self.lead_of(number)
		for call_id in calls:
			call = frappe.get_doc(CALL, {"provider": self.provider.name, "call_id": call_id})
			self.assertEqual((call.lead, call.caller_name), (lead.name, lead.lead_name))


class TestThroughTheWebhook(UnknownCallerCase):
	"""The Generic Webhook's events, as a PBX posts them."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.secret = cls.provider.get_password("webhook_secret")

	def post(self, number: str, kind: str, *events: str):
		call_id, now = unique(f"wh-{kind}"), int(time.time())
		for event in events:
			payload = {
				"event": event,
				"call_id": call_id,
				"direction": "inbound",
				"from": number,
				"to": "+74951234567",
				"extension": "101",
				"timestamp": now - 120 + SECONDS[event],
			}
			response = post_webhook(self.provider.name, payload, token=self.secret)
			self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		frappe.db.rollback()  # see what the requests committed
		return frappe.get_doc(CALL, {"provider": self.provider.name, "call_id": call_id})

	def test_answered_and_missed_calls(self):
		answered, missed = self.number(), self.number()
		with telephony_settings(unknown_caller_leads=ANSWERED_AND_MISSED):
			answered_call = self.post(answered, "answered", "ringing", "answered", "ended")
			missed_call = self.post(missed, "missed", "ringing", "ended")
		self.assertEqual((answered_call.status, missed_call.status), ("Completed", "Missed"))
		self.assertEqual(answered_call.lead, self.lead_of(answered).name)
		self.assertEqual(self.lead_of(answered).lead_owner, self.agent)
		self.assertEqual(missed_call.lead, self.lead_of(missed).name)
		self.assertIsNone(self.lead_of(missed).lead_owner)


class TestLeadSource(FrappeTestCase):
	def test_made_once_however_often_the_app_is_migrated(self):
		create_lead_source()
		create_lead_source()
		self.assertEqual(frappe.get_all("Lead Source", {"name": LEAD_SOURCE}, pluck="name"), [LEAD_SOURCE])
