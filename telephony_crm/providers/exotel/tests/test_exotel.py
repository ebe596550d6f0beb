"""Exotel beyond the conformance kit: settings checks, refusals of bad requests, what a call placed from
the desk asks Exotel for, and recordings fetched only from Exotel's hosts."""

import random
import string

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls import outbound
from telephony_crm.providers import get_provider
from telephony_crm.providers.exotel.tests.stub_exotel import StubExotel
from telephony_crm.providers.exotel.tests.test_conformance import EXOPHONE, TIME_ZONE, UNREACHABLE_API
from telephony_crm.tests.client import WEBHOOK_PATH, request
from telephony_crm.tests.factories import (
	delete_calls,
	make_contact,
	make_customer,
	make_sip_account,
	make_user,
	unique,
	unique_mobile,
)

SID, KEY, TOKEN = "acme1", "key-1", "token-1"


def indian_mobile() -> str:
	"""A number no test has used: +91 98 and eight digits."""
	return "+9198" + "".join(random.choices(string.digits, k=8))


AUDIO = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 16


def exotel_provider(**fields):
	return frappe.get_doc(
		{
			"doctype": "Telephony Provider Settings",
			"provider_name": unique("Exotel"),
			"provider_type": "Exotel",
			"enabled": 1,
			"default_region": "India",
			"exotel_api_base": UNREACHABLE_API,
			"exotel_account_sid": SID,
			"exotel_api_key": KEY,
			"exotel_api_token": TOKEN,
			"exotel_caller_id": EXOPHONE,
			"exotel_time_zone": TIME_ZONE,
			**fields,
		}
	).insert(ignore_permissions=True)


class TestSettings(FrappeTestCase):
	def test_a_wrong_time_zone_is_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "is not a time zone"):
			exotel_provider(exotel_time_zone="IST")

	def test_credentials_are_checked_on_save(self):
		with StubExotel(SID, KEY, TOKEN) as stub:
			self.assertIn(
				"credentials accepted by Exotel", exotel_provider(exotel_api_base=stub.origin).api_status
			)
		with StubExotel(SID, KEY, "another-token") as stub:
			with self.assertRaisesRegex(frappe.ValidationError, "Authentication is required"):
				exotel_provider(exotel_api_base=stub.origin)


class ExotelCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = exotel_provider()
		cls.secret = cls.provider.get_password("webhook_secret")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def passthru(self, token: str | None = None, **fields):
		query = {
			"provider": self.provider.name,
			"token": self.secret if token is None else token,
			"CallSid": unique("sid"),
			"CallFrom": "09900000001",
			"CallTo": EXOPHONE,
			"StartTime": "2026-12-01 10:00:00",
			"CurrentTime": "2026-12-01 10:01:00",
			"CallType": "completed",
			"DialWhomNumber": "09800000002",
			"DialCallDuration": "30",
			**fields,
		}
		return request("get", WEBHOOK_PATH, query_string={k: v for k, v in query.items() if v is not None})


class TestRequests(ExotelCase):
	def test_the_secret_is_required(self):
		for token, message in (("", "Missing secret"), ("wrong", "Wrong secret")):
			with self.subTest(token=token):
				response = self.passthru(token=token)
				self.assertEqual(response.status_code, 401)
				self.assertIn(message, response.get_data(as_text=True))

	def test_bad_fields_are_refused_by_name(self):
		cases = {
			"StartTime": {"StartTime": "01/12/2026 10:00"},
			"CallType": {"CallType": "something"},
			"CallFrom": {"CallFrom": "<b>1</b>"},
			"CallSid": {"CallSid": None},
		}
		for field, change in cases.items():
			with self.subTest(field=field):
				response = self.passthru(**change)
				self.assertEqual(response.status_code, 422, response.get_data(as_text=True))
				self.assertEqual(response.get_json()["field"], field)

	def test_an_answered_inbound_call_has_its_agent_ring_and_talk_time(self):
		user = make_user()
		make_sip_account(user, self.provider.name, "09800000002")
		frappe.db.commit()
		sid = unique("sid")
		self.assertEqual(self.passthru(CallSid=sid).status_code, 200)
		frappe.db.rollback()
		call = frappe.get_doc("Telephony Call Log", {"provider": self.provider.name, "call_id": sid})
		self.assertEqual(
			(call.status, call.agent, call.talk_duration, call.ring_duration), ("Completed", user, 30, 30)
		)

	def test_a_call_nobody_answered_is_missed(self):
		sid = unique("sid")
		self.assertEqual(
			self.passthru(CallSid=sid, CallType="client-hangup", DialWhomNumber=None).status_code, 200
		)
		frappe.db.rollback()
		call = frappe.get_doc("Telephony Call Log", {"provider": self.provider.name, "call_id": sid})
		self.assertEqual((call.status, call.talk_duration), ("Missed", 0))


class TestCommands(ExotelCase):
	def test_a_call_placed_from_the_desk(self):
		agent = make_user()
		make_sip_account(agent, self.provider.name, "09900000001")
		frappe.db.commit()
		with StubExotel(SID, KEY, TOKEN) as stub:
			self.provider.db_set("exotel_api_base", stub.origin)
			frappe.db.commit()
			frappe.set_user(agent)
			placed = outbound.place_call(unique_mobile())
			frappe.set_user("Administrator")
		self.provider.db_set("exotel_api_base", UNREACHABLE_API)
		frappe.db.commit()
		self.assertNotIn("error", placed)
		[command] = stub.commands
		form = command["form"]
		call_id = frappe.db.get_value("Telephony Call Log", placed["call"], "call_id")
		self.assertEqual(
			(form["From"], form["CallerId"], form["CustomField"]), ("09900000001", EXOPHONE, call_id)
		)
		self.assertTrue(form["StatusCallback"].endswith(f"&token={self.secret}"))
		self.assertEqual(
			(form["StatusCallbackEvents[0]"], form["StatusCallbackEvents[1]"]), ("answered", "terminal")
		)


class TestOverTheLimit(ExotelCase):
	def test_a_refusal_over_the_api_limit_reaches_the_agent_as_exotels_message(self):
		agent = make_user()
		make_sip_account(agent, self.provider.name, "09900000003")
		with StubExotel(SID, KEY, TOKEN) as stub:
			stub.rate_limited = True
			self.provider.db_set("exotel_api_base", stub.origin)
			frappe.db.commit()
			try:
				frappe.set_user(agent)
				placed = outbound.place_call(unique_mobile())
			finally:
				frappe.set_user("Administrator")
				self.provider.db_set("exotel_api_base", UNREACHABLE_API)
				frappe.db.commit()
		self.assertEqual(placed["status"], "Failed")
		self.assertIn("Too many requests", placed["error"])


class TestRecordings(ExotelCase):
	def fetch(self, url: str):
		return get_provider(self.provider.name).fetch_recording(frappe._dict(recording_url=url))

	def test_a_recording_on_exotels_own_host_is_fetched(self):
		with StubExotel(SID, KEY, TOKEN) as stub:
			stub.recordings["/recordings/1.mp3"] = AUDIO
			self.provider.db_set("exotel_api_base", stub.origin)
			try:
				self.assertEqual(b"".join(self.fetch(f"{stub.origin}/recordings/1.mp3").chunks), AUDIO)
			finally:
				self.provider.db_set("exotel_api_base", UNREACHABLE_API)

	def test_a_recording_elsewhere_is_not_fetched(self):
		for url in (
			"https://files.example.com/exotelrecordings/1.mp3",
			"http://s3.amazonaws.com/x.mp3",
			"http://127.0.0.1:8/x.mp3",
		):
			with self.subTest(url=url), self.assertRaisesRegex(frappe.ValidationError, "is not Exotel's"):
				self.fetch(url)


class TestConfirmingWithTheApi(ExotelCase):
	def test_a_call_exotel_does_not_know_is_refused(self):
		with StubExotel(SID, KEY, TOKEN) as stub:
			known = unique("sid").replace("-", "")
			stub.calls.add(known)
			self.provider.db_set({"exotel_api_base": stub.origin, "exotel_confirm_calls": 1})
			frappe.db.commit()
			try:
				self.assertEqual(self.passthru(CallSid=known).status_code, 200)
				unknown = self.passthru(CallSid=unique("sid").replace("-", ""))
				self.assertEqual(unknown.status_code, 401)
				self.assertIn("Exotel knows no call", unknown.get_data(as_text=True))
			finally:
				self.provider.db_set({"exotel_api_base": UNREACHABLE_API, "exotel_confirm_calls": 0})
				frappe.db.commit()

	def test_when_exotel_cannot_be_asked_the_call_is_recorded_all_the_same(self):
		# The secret in the URL was right; the event is not lost for an API that cannot be reached.
		self.provider.db_set("exotel_confirm_calls", 1)
		frappe.db.commit()
		try:
			response = self.passthru(CallSid=unique("sid").replace("-", ""))
			self.assertEqual(response.status_code, 200)
		finally:
			self.provider.db_set("exotel_confirm_calls", 0)
			frappe.db.commit()


class TestDialWhom(ExotelCase):
	def dial_whom(self, caller: str, sid: str):
		query = {
			"provider": self.provider.name,
			"token": self.secret,
			"exotel": "dial-whom",
			"CallSid": sid,
			"CallFrom": caller,
			"CallTo": EXOPHONE,
			"StartTime": "2026-12-01 10:00:00",
			"CallStatus": "ringing",
			"Direction": "incoming",
		}
		return request("get", WEBHOOK_PATH, query_string=query)

	def test_the_responsible_agent_is_dialled_and_the_call_rings_them(self):
		manager = make_user()
		make_sip_account(manager, self.provider.name, "09811111111")
		customer = make_customer()
		frappe.db.set_value("Customer", customer.name, "account_manager", manager)
		number = indian_mobile()
		make_contact([number], customer=customer.name)
		frappe.db.commit()
		sid = unique("sid").replace("-", "")
		answer = self.dial_whom(number, sid)
		self.assertEqual((answer.status_code, answer.get_data(as_text=True)), (200, "09811111111"))
		self.assertTrue(answer.content_type.startswith("text/plain"))
		frappe.db.rollback()
		call = frappe.get_doc("Telephony Call Log", {"provider": self.provider.name, "call_id": sid})
		self.assertEqual((call.status, call.agent, call.customer), ("Ringing", manager, customer.name))

	def test_nobody_responsible_and_a_forward_number_dials_it(self):
		self.provider.db_set("forward_number", "+919812345678")
		frappe.db.commit()
		try:
			answer = self.dial_whom(indian_mobile(), unique("sid").replace("-", ""))
			self.assertEqual((answer.status_code, answer.get_data(as_text=True)), (200, "+919812345678"))
		finally:
			self.provider.db_set("forward_number", None)
			frappe.db.commit()

	def test_nobody_responsible_leaves_exotel_its_own_numbers(self):
		sid = unique("sid").replace("-", "")
		answer = self.dial_whom(indian_mobile(), sid)
		self.assertEqual((answer.status_code, answer.get_data(as_text=True)), (200, ""))
		frappe.db.rollback()
		self.assertTrue(
			frappe.db.exists("Telephony Call Log", {"provider": self.provider.name, "call_id": sid})
		)
