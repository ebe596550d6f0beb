"""Events of one call arriving at once from separate workers: one record, every event kept once."""

import threading

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.events import EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.tests.factories import call_event, delete_calls, make_provider, unique

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

	def run_in_parallel(self, events):
		site, start, errors = frappe.local.site, threading.Barrier(len(events)), []

		def worker(event):
			frappe.init(site=site)
			frappe.connect()
			try:
				start.wait()
				commit_event(event)
			except Exception as error:
				errors.append(error)
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=worker, args=(event,)) for event in events]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		self.assertEqual(errors, [])
		frappe.db.rollback()  # read what the workers committed

	def test_twenty_events_of_one_call_at_once(self):
		call_id = unique("burst")
		kinds = [EventType.RINGING, EventType.ANSWERED, EventType.ENDED]
		# Every event twice or more, in no particular order: 20 deliveries of 3 distinct events.
		events = [
			call_event(self.provider, call_id, kinds[i % 3], seconds=[0, 5, 65][i % 3])
			for i in range(WORKERS)
		]
		self.run_in_parallel(events)

		calls = frappe.get_all(
			"Telephony Call Log", {"provider": self.provider, "call_id": call_id}, pluck="name"
		)
		self.assertEqual(len(calls), 1)
		call = frappe.get_doc("Telephony Call Log", calls[0])
		self.assertEqual(sorted(e.event for e in call.events), ["answered", "ended", "ringing"])
		self.assertEqual((call.status, call.ring_duration, call.talk_duration), ("Completed", 5, 60))

	def test_first_events_of_many_calls_at_once(self):
		call_ids = [unique("many") for _ in range(WORKERS)]
		self.run_in_parallel([call_event(self.provider, call_id, EventType.RINGING) for call_id in call_ids])
		stored = frappe.get_all("Telephony Call Log", {"call_id": ("in", call_ids)}, pluck="call_id")
		self.assertEqual(sorted(stored), sorted(call_ids))
