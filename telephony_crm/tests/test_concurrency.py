"""Events of one call arriving at once from separate workers: one record, every event kept once."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls import engine
from telephony_crm.calls.events import EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.tests.factories import call_event, commit_at_once, delete_calls, make_provider, unique

WORKERS = 20


class TestConcurrentEvents(FrappeTestCase):
	"""Each worker is a thread with its own site connection and transaction, as web workers have."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider().name
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		delete_calls(cls.provider)
		frappe.delete_doc("Telephony Provider Settings", cls.provider, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_twenty_events_of_one_call_at_once(self):
		call_id = unique("burst")
		kinds = [EventType.RINGING, EventType.ANSWERED, EventType.ENDED]
		# Every event twice or more, in no particular order: 20 deliveries of 3 distinct events.
		events = [
			call_event(self.provider, call_id, kinds[i % 3], seconds=[0, 5, 65][i % 3])
			for i in range(WORKERS)
		]
		commit_at_once(events)

		calls = frappe.get_all(
			"Telephony Call Log", {"provider": self.provider, "call_id": call_id}, pluck="name"
		)
		self.assertEqual(len(calls), 1)
		call = frappe.get_doc("Telephony Call Log", calls[0])
		self.assertEqual(sorted(e.event for e in call.events), ["answered", "ended", "ringing"])
		self.assertEqual((call.status, call.ring_duration, call.talk_duration), ("Completed", 5, 60))

	def test_first_events_of_many_calls_at_once(self):
		call_ids = [unique("many") for _ in range(WORKERS)]
		commit_at_once([call_event(self.provider, call_id, EventType.RINGING) for call_id in call_ids])
		stored = frappe.get_all("Telephony Call Log", {"call_id": ("in", call_ids)}, pluck="call_id")
		self.assertEqual(sorted(stored), sorted(call_ids))

	def test_a_full_save_that_crossed_a_form_save_is_tried_again(self):
		call_id = unique("crossed")
		commit_event(call_event(self.provider, call_id, EventType.RINGING, caller=None))
		real_save = engine.save_call
		attempts = []

		def crossed_once(call):
			attempts.append(call.name)
			if len(attempts) == 1:
				raise frappe.TimestampMismatchError("modified after you opened it")
			real_save(call)

		# The caller's number arrives late: identifying the caller takes the engine's full save.
		with patch.object(engine, "save_call", crossed_once):
			result = commit_event(call_event(self.provider, call_id, EventType.ANSWERED, 3))
		self.assertEqual(len(attempts), 2)
		self.assertEqual(frappe.db.get_value("Telephony Call Log", result.name, "status"), "In Progress")
