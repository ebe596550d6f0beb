"""Everyone whose phone rang for a call may read it: a ring group's missed call is visible to the group."""

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.api import calls as api
from telephony_crm.calls.engine import process_event
from telephony_crm.calls.events import EventType
from telephony_crm.permissions import call_log_has_permission
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_provider,
	make_sip_account,
	make_user,
	unique,
)

CALL = "Telephony Call Log"
RINGING, ANSWERED, ENDED = EventType.RINGING, EventType.ANSWERED, EventType.ENDED


class TestParticipants(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider().name
		cls.first, cls.second, cls.stranger = make_user(), make_user(), make_user()
		make_sip_account(cls.first, cls.provider, "401")
		make_sip_account(cls.second, cls.provider, "402")
		make_sip_account(cls.stranger, cls.provider, "409")

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def ring_group(self, answered_by: str | None = None) -> str:
		call_id = unique("group")
		events = [call_event(self.provider, call_id, RINGING, extension=ext) for ext in ("401", "402")]
		if answered_by:
			events.append(call_event(self.provider, call_id, ANSWERED, 3, extension=answered_by))
		events.append(call_event(self.provider, call_id, ENDED, 30, extension=None))
		for event in events:
			result = process_event(event)
		return result.name

	def readers(self, call: str) -> set[str]:
		readers = set()
		for user in (self.first, self.second, self.stranger):
			frappe.set_user(user)
			listed = call in frappe.get_list(CALL, {"provider": self.provider}, pluck="name", limit=0)
			allowed = frappe.has_permission(CALL, "read", call)
			self.assertEqual(listed, allowed, f"list filter and has_permission disagree for {user}")
			if allowed:
				readers.add(user)
		frappe.set_user("Administrator")
		return readers

	def test_a_missed_group_call_is_visible_to_everyone_it_rang(self):
		call = self.ring_group()
		self.assertEqual(frappe.db.get_value(CALL, call, "status"), "Missed")
		self.assertEqual(self.readers(call), {self.first, self.second})

	def test_an_answered_group_call_stays_visible_to_those_it_rang(self):
		call = self.ring_group(answered_by="402")
		self.assertEqual(frappe.db.get_value(CALL, call, "answered_by"), self.second)
		self.assertEqual(self.readers(call), {self.first, self.second})

	def test_everyone_it_rang_gets_the_context_of_the_call(self):
		call = self.ring_group(answered_by="402")
		frappe.set_user(self.first)
		self.assertEqual(api.get_call_context(call)["call"]["name"], call)
		frappe.set_user(self.stranger)
		self.assertRaises(frappe.PermissionError, api.get_call_context, call)

	def test_only_the_calls_own_agent_may_delete_it(self):
		call = frappe.get_doc(CALL, self.ring_group(answered_by="402"))
		self.assertTrue(call_log_has_permission(call, "delete", self.second))
		self.assertFalse(call_log_has_permission(call, "delete", self.first))

	def test_participants_are_recorded_once_each(self):
		call = frappe.get_doc(CALL, self.ring_group(answered_by="402"))
		self.assertEqual(sorted(row.user for row in call.participants), sorted([self.first, self.second]))

	def test_a_ringing_group_call_comes_back_to_everyone_it_rings_after_a_reload(self):
		call_id, now = unique("group"), frappe.utils.now_datetime()
		for extension in ("401", "402"):
			call = process_event(
				call_event(self.provider, call_id, RINGING, extension=extension, start=now)
			).name
		for user in (self.first, self.second):
			frappe.set_user(user)
			self.assertIn(call, [c["name"] for c in api.get_active_calls()])
		# Once a colleague answers, it is theirs: it no longer comes back to the others.
		frappe.set_user("Administrator")
		process_event(call_event(self.provider, call_id, ANSWERED, 3, extension="402", start=now))
		frappe.set_user(self.first)
		self.assertNotIn(call, [c["name"] for c in api.get_active_calls()])
		frappe.set_user(self.second)
		self.assertIn(call, [c["name"] for c in api.get_active_calls()])
