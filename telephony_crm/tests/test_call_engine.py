"""Every call sequence a PBX can produce, through the engine every provider feeds."""

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.engine import process_event
from telephony_crm.calls.events import CallStatus, Direction, EventType
from telephony_crm.tests.factories import (
	call_event,
	make_contact,
	make_customer,
	make_provider,
	make_sip_account,
	make_user,
	russian_national,
	unique,
	unique_mobile,
	use_region,
)

RINGING, ANSWERED, ENDED = EventType.RINGING, EventType.ANSWERED, EventType.ENDED


class TestCallEngine(FrappeTestCase):
	def setUp(self):
		use_region()
		self.provider = make_provider().name
		self.agent = make_user()
		make_sip_account(self.agent, self.provider, "101")

	def run_events(self, *events):
		for event in events:
			result = process_event(event)
		return frappe.get_doc("Telephony Call Log", result.name)

	def event(self, call_id, kind, seconds=0, **kwargs):
		return call_event(self.provider, call_id, kind, seconds, **kwargs)

	def test_answered_inbound_call(self):
		call_id = unique("in")
		call = self.run_events(
			self.event(call_id, RINGING, 0),
			self.event(call_id, ANSWERED, 7),
			self.event(call_id, ENDED, 67),
		)
		self.assertEqual(call.status, "Completed")
		self.assertEqual(call.direction, "Inbound")
		self.assertEqual((call.ring_duration, call.talk_duration), (7, 60))
		self.assertEqual(call.agent, self.agent)
		self.assertEqual(call.answered_by, self.agent)
		self.assertEqual(call.external_number, "+79161234567")
		self.assertEqual([e.event for e in call.events], ["ringing", "answered", "ended"])

	def test_status_follows_the_call_live(self):
		call_id = unique("live")
		self.assertEqual(process_event(self.event(call_id, RINGING, 0)).status, "Ringing")
		self.assertEqual(process_event(self.event(call_id, ANSWERED, 3)).status, "In Progress")
		self.assertEqual(process_event(self.event(call_id, ENDED, 9)).status, "Completed")

	def test_unanswered_inbound_call_is_missed(self):
		call_id = unique("missed")
		call = self.run_events(self.event(call_id, RINGING, 0), self.event(call_id, ENDED, 25))
		self.assertEqual(call.status, "Missed")
		self.assertEqual((call.ring_duration, call.talk_duration), (25, 0))
		self.assertIsNone(call.answered_at)
		self.assertEqual(call.agent, self.agent)
		self.assertFalse(call.answered_by)

	def test_answered_outbound_call(self):
		call_id = unique("out")
		outbound = {"direction": Direction.OUTBOUND, "caller": "101", "called": "8 (916) 765-43-21"}
		call = self.run_events(
			self.event(call_id, RINGING, 0, **outbound),
			self.event(call_id, ANSWERED, 4, **outbound),
			self.event(call_id, ENDED, 34, **outbound),
		)
		self.assertEqual((call.status, call.direction), ("Completed", "Outbound"))
		self.assertEqual(call.external_number, "+79167654321")
		self.assertEqual(call.talk_duration, 30)
		self.assertEqual(call.agent, self.agent)

	def test_unanswered_outbound_call_is_no_answer(self):
		call_id = unique("out")
		call = self.run_events(
			self.event(call_id, RINGING, 0, direction=Direction.OUTBOUND),
			self.event(call_id, ENDED, 30, direction=None),
		)
		self.assertEqual(call.status, "No Answer")

	def test_status_reported_by_the_pbx_wins(self):
		for status in (CallStatus.BUSY, CallStatus.FAILED, CallStatus.REJECTED):
			call_id = unique("status")
			call = self.run_events(
				self.event(call_id, RINGING, 0), self.event(call_id, ENDED, 2, end_status=status)
			)
			self.assertEqual(call.status, status.value)

	def test_duration_from_the_pbx_wins_and_implies_the_answer(self):
		call_id = unique("dur")
		call = self.run_events(self.event(call_id, RINGING, 0), self.event(call_id, ENDED, 100, duration=42))
		self.assertEqual(call.status, "Completed")
		self.assertEqual((call.talk_duration, call.ring_duration), (42, 58))

	def test_duplicates_change_nothing(self):
		call_id = unique("dup")
		ringing, ended = self.event(call_id, RINGING, 0), self.event(call_id, ENDED, 20)
		self.run_events(ringing, ended)
		modified = frappe.db.get_value("Telephony Call Log", {"call_id": call_id}, "modified")
		for event in (ringing, ended, ringing):
			self.assertFalse(process_event(event).changed)
		call = frappe.get_doc("Telephony Call Log", {"call_id": call_id})
		self.assertEqual(len(call.events), 2)
		self.assertEqual(call.modified, modified)
		self.assertEqual(frappe.db.count("Telephony Call Log", {"call_id": call_id}), 1)

	def test_every_order_of_events_gives_the_same_call(self):
		events = [(RINGING, 0), (ANSWERED, 5), (ENDED, 65)]
		orders = [events, events[::-1], [events[2], events[0], events[1]], [events[1], events[2], events[0]]]
		for order in orders:
			call_id = unique("order")
			call = self.run_events(*(self.event(call_id, kind, seconds) for kind, seconds in order))
			self.assertEqual(
				(call.status, call.ring_duration, call.talk_duration, len(call.events)),
				("Completed", 5, 60, 3),
			)

	def test_ended_first_then_nothing_else(self):
		call_id = unique("ended-only")
		call = self.run_events(self.event(call_id, ENDED, 30, duration=20))
		self.assertEqual((call.status, call.talk_duration), ("Completed", 20))

	def test_an_event_before_the_one_with_the_direction_is_recorded(self):
		call_id = unique("early")
		call = self.run_events(self.event(call_id, ENDED, 30, direction=None, duration=20))
		self.assertEqual((call.direction, call.status, call.talk_duration), ("Inbound", "Completed", 20))
		call = self.run_events(self.event(call_id, RINGING, 0, direction=Direction.OUTBOUND))
		self.assertEqual(call.direction, "Outbound")

	def test_without_a_direction_an_extension_calling_is_outbound(self):
		call = self.run_events(
			self.event(unique("nodir"), ANSWERED, 5, direction=None, caller="101", called="+79161234567")
		)
		self.assertEqual((call.direction, call.external_number), ("Outbound", "+79161234567"))
		internal = self.run_events(
			self.event(unique("nodir"), RINGING, 0, direction=None, caller="101", called="102")
		)
		self.assertEqual(internal.direction, "Internal")

	def test_later_events_may_omit_direction_and_numbers(self):
		call_id = unique("sparse")
		call = self.run_events(
			self.event(call_id, RINGING, 0),
			self.event(call_id, ANSWERED, 2, direction=None, caller=None, called=None),
			self.event(call_id, ENDED, 12, direction=None, caller=None, called=None),
		)
		self.assertEqual(
			(call.direction, call.status, call.caller_number), ("Inbound", "Completed", "+79161234567")
		)

	def test_call_belongs_to_who_answered(self):
		colleague = make_user()
		make_sip_account(colleague, self.provider, "102")
		call_id = unique("group")
		call = self.run_events(
			self.event(call_id, RINGING, 0, extension="101"),
			self.event(call_id, RINGING, 0, extension="102"),
			self.event(call_id, ANSWERED, 4, extension="102"),
			self.event(call_id, ENDED, 14, extension="102"),
		)
		self.assertEqual((call.agent, call.answered_by, call.extension), (colleague, colleague, "102"))

	def test_disabled_sip_account_gets_no_calls(self):
		frappe.db.set_value("SIP Account", {"provider": self.provider, "extension": "101"}, "enabled", 0)
		call = self.run_events(self.event(unique("disabled"), RINGING))
		self.assertFalse(call.agent)

	def test_known_caller_is_linked(self):
		number = unique_mobile()
		customer = make_customer()
		contact = make_contact([russian_national(number)], customer=customer.name)
		call = self.run_events(self.event(unique("known"), RINGING, caller=number[2:]))
		self.assertEqual((call.customer, call.contact), (customer.name, contact.name))
		self.assertEqual(call.caller_name, contact.full_name)

	def test_unknown_caller_is_not_linked(self):
		call = self.run_events(self.event(unique("unknown"), RINGING, caller="+7 999 000 00 00"))
		self.assertFalse(call.customer or call.contact or call.lead or call.caller_name)

	def test_recording_url_is_kept(self):
		call_id = unique("rec")
		url = "https://pbx.example/rec/1.mp3"
		call = self.run_events(self.event(call_id, RINGING), self.event(call_id, ENDED, 9, recording_url=url))
		self.assertEqual(call.recording_url, url)

	def test_same_call_id_at_two_providers_is_two_calls(self):
		other = make_provider().name
		call_id = unique("shared")
		first = process_event(self.event(call_id, RINGING))
		second = process_event(call_event(other, call_id, RINGING))
		self.assertNotEqual(first.name, second.name)
