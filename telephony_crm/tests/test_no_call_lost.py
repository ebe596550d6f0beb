"""No call is lost: odd numbers, early events and absurd values end as a logged call or a 422, and what
people tie to a call survives the caller being identified anew, merges, renames and deletions."""

from unittest.mock import patch

import frappe
from frappe.model.rename_doc import rename_doc
from frappe.tests.utils import FrappeTestCase

from telephony_crm.api import calls as api
from telephony_crm.calls import intake
from telephony_crm.calls.engine import process_event
from telephony_crm.calls.events import EventType
from telephony_crm.calls.links import append_link
from telephony_crm.tests.client import post_webhook
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_contact,
	make_customer,
	make_lead,
	make_provider,
	make_sip_account,
	make_user,
	unique,
	unique_mobile,
	use_region,
)

CALL = "Telephony Call Log"
RINGING = EventType.RINGING


def second_connection():
	"""Another database session, as another worker would have."""
	db = frappe.database.get_db(
		host=frappe.conf.db_host,
		user=frappe.conf.db_user or frappe.conf.db_name,
		password=frappe.conf.db_password,
		cur_db_name=frappe.conf.db_name,
	)
	db.connect()
	return db


class TestOddTrafficThroughTheWebhook(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider()
		cls.secret = cls.provider.get_password("webhook_secret")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def post(self, **fields):
		payload = {
			"event": "ringing",
			"call_id": unique("odd"),
			"direction": "inbound",
			"to": "+74951234567",
			"extension": "101",
		}
		payload.update(fields)
		return payload["call_id"], post_webhook(self.provider.name, payload, token=self.secret)

	def test_withheld_and_odd_numbers_are_logged_unidentified(self):
		for number in ("anonymous", "Unknown", "", "sip:alice@example.com", "1" * 25):
			with self.subTest(number=number):
				call_id, response = self.post(**{"from": number})
				self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
				frappe.db.rollback()
				call = frappe.get_doc(CALL, {"provider": self.provider.name, "call_id": call_id})
				self.assertEqual(call.caller_number, number or None)
				self.assertIsNone(call.external_number)
				self.assertIsNone(call.customer or call.contact or call.lead)

	def test_a_failing_follow_up_is_logged_and_the_event_is_kept(self):
		def broken_follower(call):
			frappe.db.set_value(CALL, call.name, "caller_name", "half-written")
			raise RuntimeError("follow-up failed")

		with patch("telephony_crm.calls.followups.FOLLOWERS", (broken_follower,)):
			call_id, response = self.post(**{"from": "+79161234567"})
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		frappe.db.rollback()
		call = frappe.get_doc(CALL, {"provider": self.provider.name, "call_id": call_id})
		self.assertEqual(call.caller_number, "+79161234567")
		self.assertNotEqual(call.caller_name, "half-written", "the follower's writes were not undone")
		self.assertTrue(
			frappe.db.exists("Error Log", {"reference_doctype": CALL, "reference_name": call.name}),
			"the failure was not logged against the call",
		)

	def test_absurd_values_are_refused_with_422(self):
		cases = [
			("timestamp", 1e20),
			("timestamp", "1e20"),
			("timestamp", "inf"),
			("timestamp", "nan"),
			("timestamp", "9999-12-31T23:59:59+00:00"),
			("timestamp", "1970-01-01T00:00:00+00:00"),
			("timestamp", 0),
			("timestamp", ["2026-03-02T10:00:00+03:00"]),
			("duration", 10**400),
			("duration", "1e400"),
			("duration", -5),
			("duration", 10**9),
			("duration", [30]),
			("from", ["+79161234567"]),
			("call_id", {"id": 1}),
			("event", ["ringing"]),
			("direction", True),
		]
		for field, value in cases:
			with self.subTest(field=field, value=value):
				call_id, response = self.post(**{"event": "ended", field: value})
				self.assertEqual(response.status_code, 422, response.get_data(as_text=True))
				self.assertEqual(response.get_json()["field"], field)
				frappe.db.rollback()
				if isinstance(call_id, str):
					self.assertFalse(
						frappe.db.exists(CALL, {"provider": self.provider.name, "call_id": call_id})
					)


class TestWhatPeopleTiedToACallStays(FrappeTestCase):
	def setUp(self):
		use_region()
		self.provider = make_provider().name
		self.agent = make_user()
		make_sip_account(self.agent, self.provider, "101")

	def tearDown(self):
		frappe.set_user("Administrator")

	def ring(self, number: str) -> str:
		return process_event(call_event(self.provider, unique("tied"), RINGING, caller=number)).name

	def links(self, call: str) -> set[tuple[str, str, str]]:
		return {(r.link_doctype, r.link_name, r.origin) for r in frappe.get_doc(CALL, call).links}

	def test_identifying_the_caller_anew_keeps_peoples_links(self):
		number = unique_mobile()
		call = self.ring(number)
		todo = frappe.get_doc({"doctype": "ToDo", "description": "call back", "telephony_call": call}).insert(
			ignore_permissions=True
		)
		lead = make_lead(mobile_no=number)  # a second record with the number: a Caller ID link
		customer = make_customer()
		api.link_number_to_record(call, "Customer", customer.name)
		self.assertEqual(frappe.db.get_value(CALL, call, "customer"), customer.name)
		links = self.links(call)
		self.assertIn(("ToDo", todo.name, "Added"), links)
		self.assertIn(("Lead", lead.name, "Caller ID"), links)
		# The caller identified anew once more: only the Caller ID matches are replaced.
		frappe.delete_doc("Lead", lead.name, ignore_permissions=True, force=True)
		api.link_number_to_record(call, "Customer", customer.name)
		links = self.links(call)
		self.assertIn(("ToDo", todo.name, "Added"), links)
		self.assertNotIn(("Lead", lead.name, "Caller ID"), links)

	def test_the_document_a_call_was_placed_from_stays_linked(self):
		customer = make_customer()
		call = process_event(
			call_event(
				self.provider,
				unique("placed"),
				RINGING,
				caller="101",
				called=unique_mobile(),
				direction=None,
				reference=("Customer", customer.name),
			)
		).name
		self.assertEqual(self.links(call), {("Customer", customer.name, "Placed From")})

	def test_a_placed_call_its_provider_reported_first_is_still_linked_to_its_document(self):
		customer, call_id = make_customer(), unique("named-by-provider")
		process_event(call_event(self.provider, call_id, RINGING, caller="101", called=unique_mobile()))
		call = process_event(
			call_event(
				self.provider, call_id, RINGING, 1, caller="101", reference=("Customer", customer.name)
			)
		).name
		self.assertIn(("Customer", customer.name, "Placed From"), self.links(call))

	def test_a_merged_customer_leaves_no_contact_pointing_at_it(self):
		number = unique_mobile()
		old, new = make_customer(), make_customer()
		contact = make_contact([number], customer=old.name)
		rename_doc("Customer", old.name, new.name, merge=True, force=True)
		rows = frappe.get_all("Telephony Phone Index", {"phone": number}, ["reference_name", "customer"])
		self.assertEqual([(r.reference_name, r.customer) for r in rows], [(contact.name, new.name)])
		call = frappe.get_doc(CALL, self.ring(number))
		self.assertEqual((call.customer, call.contact), (new.name, contact.name))

	def test_a_renamed_customer_is_followed_by_its_contacts_numbers(self):
		number = unique_mobile()
		customer = make_customer()
		contact = make_contact([number], customer=customer.name)
		new_name = unique("Renamed")
		rename_doc("Customer", customer.name, new_name, force=True)
		call = frappe.get_doc(CALL, self.ring(number))
		self.assertEqual((call.customer, call.contact), (new_name, contact.name))

	def test_a_deleted_customer_is_never_named_by_a_call(self):
		number = unique_mobile()
		customer = make_customer()
		make_contact([number], customer=customer.name)
		frappe.delete_doc("Customer", customer.name, ignore_permissions=True, force=True)
		self.assertFalse(frappe.db.exists("Telephony Phone Index", {"customer": customer.name}))
		call = frappe.get_doc(CALL, self.ring(number))
		self.assertIsNone(call.customer)

	def test_a_customer_who_called_can_be_deleted_and_the_calls_keep_their_numbers(self):
		number = unique_mobile()
		customer = make_customer()
		make_contact([number], customer=customer.name)
		call = self.ring(number)
		todo = frappe.get_doc({"doctype": "ToDo", "description": "x", "telephony_call": call}).insert(
			ignore_permissions=True
		)
		frappe.delete_doc("ToDo", todo.name, ignore_permissions=True, force=True)
		frappe.delete_doc("Customer", customer.name, ignore_permissions=True)
		doc = frappe.get_doc(CALL, call)
		self.assertEqual((doc.customer, doc.external_number), (None, number))
		self.assertNotIn(("ToDo", todo.name, "Added"), self.links(call))
		# The call's next event is still recorded, and so is a note.
		process_event(call_event(self.provider, doc.call_id, EventType.ENDED, 10, caller=number))
		api.add_note(call, "customer gone")
		self.assertEqual(frappe.db.get_value(CALL, call, "status"), "Missed")

	def test_a_stale_index_row_never_stops_a_call(self):
		number = unique_mobile()
		customer = make_customer()
		make_contact([number], customer=customer.name)
		# The row outlives its customer, as it could for a moment with Frappe's plain-SQL updates.
		frappe.db.delete("Customer", {"name": customer.name})
		call = frappe.get_doc(CALL, self.ring(number))
		self.assertIsNone(call.customer)
		self.assertTrue(call.contact)


class TestDeskWritesTakeTheCallsLock(FrappeTestCase):
	def setUp(self):
		self.provider = make_provider().name
		self.agent = make_user()
		make_sip_account(self.agent, self.provider, "101")
		self.call_id = unique("locked")
		self.call = process_event(call_event(self.provider, self.call_id, RINGING)).name
		frappe.db.commit()

	def tearDown(self):
		frappe.set_user("Administrator")
		delete_calls(self.provider)
		frappe.db.commit()

	def test_a_note_waits_for_the_engine_and_says_so_when_it_cannot(self):
		other = second_connection()
		name = intake._lock_name(self.provider, self.call_id)
		self.assertEqual(other.sql("select get_lock(%s, 0)", (name,))[0][0], 1)
		try:
			frappe.set_user(self.agent)
			with patch.object(intake, "LOCK_TIMEOUT_SECONDS", 1), self.assertRaises(intake.CallBusyError):
				api.add_note(self.call, "while the PBX writes")
		finally:
			other.sql("select release_lock(%s)", (name,))
			other.close()
		api.add_note(self.call, "once it is done")
		frappe.db.commit()
		self.assertIn("once it is done", frappe.db.get_value(CALL, self.call, "notes"))

	def test_a_document_made_from_the_call_holds_the_lock_until_it_is_saved(self):
		doc = frappe.get_doc(CALL, self.call)
		todo = frappe.get_doc({"doctype": "ToDo", "description": "x"}).insert(ignore_permissions=True)
		append_link(doc, "ToDo", todo.name)
		probe = second_connection()
		try:
			name = intake._lock_name(self.provider, self.call_id)
			self.assertEqual(probe.sql("select is_free_lock(%s)", (name,))[0][0], 0)
			frappe.db.commit()
			self.assertEqual(probe.sql("select is_free_lock(%s)", (name,))[0][0], 1)
		finally:
			probe.close()

	def test_updates_tell_open_forms_the_records_new_version(self):
		with patch("frappe.publish_realtime") as publish:
			process_event(call_event(self.provider, self.call_id, EventType.ANSWERED, 2))
		modified = frappe.db.get_value(CALL, self.call, "modified")
		versions = [c.args[1].get("modified") for c in publish.call_args_list if c.args[0] == "doc_update"]
		self.assertEqual([frappe.utils.get_datetime(v) for v in versions], [modified])
