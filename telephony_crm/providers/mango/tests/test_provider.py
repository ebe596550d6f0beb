"""Mango Office: signatures, fields, the call mapping, commands and recordings against a stub of the API."""

import contextlib
import json

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls import outbound
from telephony_crm.calls.events import CallStatus, Direction
from telephony_crm.providers import get_provider
from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.mango import mapping
from telephony_crm.providers.mango.api import MangoRefused
from telephony_crm.providers.mango.routes import MangoRequests
from telephony_crm.providers.mango.settings import check_credentials
from telephony_crm.providers.mango.signing import sign
from telephony_crm.providers.mango.tests import fixtures
from telephony_crm.providers.mango.tests.delivery import post_service, signed
from telephony_crm.providers.mango.tests.fixtures import documented
from telephony_crm.providers.mango.tests.stub_mango import StubMango
from telephony_crm.tests.factories import delete_calls, make_sip_account, make_user, unique, use_region

CALL = "Telephony Call Log"
UNREACHABLE_API = "http://127.0.0.1:9/vpbx/"


class MangoTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_region()
		cls.key, cls.salt = frappe.generate_hash(length=32), frappe.generate_hash(length=32)
		cls.provider = frappe.get_doc(
			{
				"doctype": "Telephony Provider Settings",
				"provider_name": unique("Mango Test"),
				"provider_type": "Mango Office",
				"enabled": 1,
				"default_region": "Russian Federation",
				"mango_api_key": cls.key,
				"mango_api_salt": cls.salt,
				"mango_api_base": UNREACHABLE_API,
				"mango_line_number": "74950000000",
			}
		).insert(ignore_permissions=True)
		cls.agent = make_user(prefix="mango-agent")
		make_sip_account(cls.agent, cls.provider.name, "101")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def post(self, service: str, payload: dict, **form) -> tuple[int, dict]:
		response = post_service(self.provider.name, service, {**signed(self.provider, payload), **form})
		return response.status_code, json.loads(response.get_data() or b"null")

	def accept(self, service: str, *payloads: dict) -> None:
		for payload in payloads:
			status, answer = self.post(service, payload)
			self.assertEqual(status, 200, answer)

	def call(self, call_id: str):
		frappe.db.rollback()
		return frappe.get_doc(CALL, {"provider": self.provider.name, "call_id": call_id})

	def entry(self) -> str:
		return unique("entry")

	@contextlib.contextmanager
	def api(self, **stub_options):
		with StubMango(self.key, self.salt, **stub_options) as stub:
			self.provider.db_set("mango_api_base", stub.url)
			frappe.db.commit()
			yield stub
		self.provider.db_set("mango_api_base", UNREACHABLE_API)
		frappe.db.commit()


class TestMangoEvents(MangoTestCase):
	def test_documented_events_make_one_call_that_a_leg_does_not_end(self):
		self.accept("events/call", fixtures.RINGING)
		call = self.call(fixtures.ENTRY_ID)
		self.assertEqual((call.direction, call.status, call.extension), ("Inbound", "Ringing", "101"))
		self.assertEqual((call.caller_number, call.called_number), ("79161234567", "74951234567"))
		self.accept("events/call", fixtures.CONNECTED, fixtures.DISCONNECTED)
		self.assertEqual(self.call(fixtures.ENTRY_ID).status, "In Progress", "the summary ends a call")
		self.accept("events/recording", fixtures.RECORDING_COMPLETED)
		self.assertEqual(
			self.call(fixtures.ENTRY_ID).recording_id, fixtures.RECORDING_COMPLETED["recording_id"]
		)

	def test_documented_missed_summary(self):
		entry = self.entry()
		self.accept("events/call", documented(fixtures.RINGING, entry_id=entry))
		self.accept("events/summary", documented(fixtures.MISSED_SUMMARY, entry_id=entry))
		call = self.call(entry)
		self.assertEqual(
			(call.status, call.agent, call.ring_duration, call.talk_duration), ("Missed", self.agent, 40, 0)
		)

	def test_a_call_that_only_reached_the_ivr_is_missed(self):
		entry = self.entry()
		ivr = documented(fixtures.RINGING, entry_id=entry, location="ivr", to={"number": "74951234567"})
		summary = documented(fixtures.MISSED_SUMMARY, entry_id=entry, entry_result=1, talk_time=30, to={})
		self.accept("events/call", ivr, documented(ivr, seq=3, call_state="Connected"))
		self.accept("events/summary", summary)
		call = self.call(entry)
		self.assertEqual((call.status, call.answered_at, call.talk_duration), ("Missed", None, 0))

	def test_a_late_lower_seq_lands_where_it_belongs(self):
		"""Two agents connected in the same second (a transfer): seq says who came last, whatever the
		order of delivery."""
		entry = self.entry()
		first = documented(fixtures.CONNECTED, entry_id=entry, seq=3)
		second = documented(first, call_id="leg-2", seq=5, to__extension="102")
		self.accept("events/call", second, first)
		self.assertEqual(self.call(entry).extension, "102")

	def test_repeated_events_change_nothing(self):
		entry = self.entry()
		self.accept("events/call", *[documented(fixtures.RINGING, entry_id=entry)] * 2)
		self.assertEqual(len(self.call(entry).events), 1)

	def test_services_the_app_does_not_follow_are_accepted(self):
		status, _answer = self.post("events/dtmf", {"entry_id": self.entry(), "dtmf": "1"})
		self.assertEqual(status, 200)

	def test_outcomes_by_disconnect_reason_and_class(self):
		inbound, outbound_call = Direction.INBOUND, Direction.OUTBOUND
		for reason, direction, status in (
			(1121, inbound, CallStatus.BUSY),
			(1111, inbound, CallStatus.MISSED),
			(1110, inbound, CallStatus.MISSED),
			(1110, outbound_call, CallStatus.NO_ANSWER),
			(1122, inbound, CallStatus.REJECTED),
			(1181, inbound, CallStatus.REJECTED),
			(1129, inbound, CallStatus.MISSED),  # unknown: read as 1120
			(1152, inbound, CallStatus.REJECTED),
			(1163, inbound, CallStatus.MISSED),
			(3210, outbound_call, CallStatus.FAILED),
			(4201, outbound_call, CallStatus.FAILED),
			(5003, inbound, CallStatus.FAILED),
			(2101, outbound_call, CallStatus.FAILED),
			(None, outbound_call, CallStatus.NO_ANSWER),
		):
			self.assertEqual(mapping.outcome(reason, direction), status, reason)


class TestMangoRequests(MangoTestCase):
	def test_signatures_are_checked_over_the_raw_json(self):
		payload = documented(fixtures.RINGING, entry_id=self.entry())
		for form in ({"sign": "0" * 64}, {"vpbx_api_key": "not-the-key"}, {"sign": ""}):
			self.assertEqual(self.post("events/call", payload, **form)[0], 401, form)
		self.assertFalse(
			frappe.db.exists(CALL, {"provider": self.provider.name, "call_id": payload["entry_id"]})
		)
		raw = json.dumps(payload, indent=2)  # not the app's own formatting: the raw text is signed
		status, _answer = self.post("events/call", {}, json=raw, sign=sign(self.key, raw, self.salt))
		self.assertEqual(status, 200)

	def test_invalid_fields_are_refused_by_name(self):
		for changes, field in (
			({"entry_id": None}, "entry_id"),
			({"call_state": "Ringing"}, "call_state"),
			({"location": "moon"}, "location"),
			({"seq": -1}, "seq"),
			({"timestamp": "yesterday"}, "timestamp"),
			({"timestamp": 1}, "timestamp"),
			({"to__extension": "<b>101</b>"}, "to.extension"),
			({"from": "79161234567"}, "from"),
			({"disconnect_reason": True}, "disconnect_reason"),
		):
			status, answer = self.post("events/call", documented(fixtures.RINGING, **changes))
			self.assertEqual((status, answer.get("field")), (422, field), answer)
		status, answer = self.post("events/summary", documented(fixtures.MISSED_SUMMARY, call_direction=3))
		self.assertEqual((status, answer.get("field")), (422, "call_direction"))

	def test_json_must_be_an_object(self):
		for raw in ("not json", "[1, 2]"):
			status, answer = self.post("events/call", {}, json=raw, sign=sign(self.key, raw, self.salt))
			self.assertEqual((status, answer.get("field")), (422, "json"))

	def test_the_route_takes_only_posts_to_services(self):
		self.assertEqual(post_service(self.provider.name, "", {}).status_code, 404)
		self.assertTrue(MangoRequests("telephony/mango/x/events/call").can_render())
		self.assertFalse(MangoRequests("telephony/other").can_render())


class TestMangoCommands(MangoTestCase):
	def test_click_to_call_is_a_signed_callback_and_a_failed_result_fails_the_call(self):
		with self.api(callback_result=3100) as stub:
			frappe.set_user(self.agent)
			placed = outbound.place_call("+79161234567")
			frappe.set_user("Administrator")
		self.assertNotIn("error", placed)
		call_id = frappe.db.get_value(CALL, placed["call"], "call_id")
		self.assertEqual(
			stub.commands[0],
			{
				"path": "commands/callback",
				"json": {
					"command_id": call_id,
					"from": {"extension": "101"},
					"to_number": "79161234567",
					"line_number": "74950000000",
				},
			},
		)
		self.accept(stub.results[0]["service"], stub.results[0]["json"])
		self.assertEqual(self.call(call_id).status, "Failed")

	def test_a_refused_command_says_why(self):
		with self.api() as stub:
			stub.api_key = "another-key"
			frappe.set_user(self.agent)
			placed = outbound.place_call("+79161234567")
		self.assertIn("3102", placed["error"])
		self.assertEqual(placed["status"], "Failed")

	def test_hangup_ends_the_live_leg(self):
		entry = self.entry()
		ringing = documented(fixtures.RINGING, entry_id=entry, call_id="leg-1", seq=1)
		other = documented(ringing, call_id="leg-2", seq=2, to__extension="102")
		self.accept("events/call", ringing, other, documented(other, seq=3, call_state="Disconnected"))
		with self.api() as stub:
			provider = get_provider(self.provider.name)
			provider.hangup(entry)
			with self.assertRaisesRegex(ProviderCommandError, "no live leg"):
				provider.hangup(self.entry())
		self.assertEqual(stub.commands[0]["path"], "commands/call/hangup")
		self.assertEqual(stub.commands[0]["json"]["call_id"], "leg-1")

	def test_recordings_follow_the_one_time_link_to_mango_only(self):
		with self.api() as stub:
			provider = get_provider(self.provider.name)
			stub.recordings["rec-1"] = b"ID3 audio"
			recording = provider.fetch_recording(frappe._dict(recording_id="rec-1"))
			self.assertEqual(
				(b"".join(recording.chunks), recording.content_type, recording.size),
				(b"ID3 audio", "audio/mp3", 9),
			)
			with self.assertRaisesRegex(MangoRefused, "not found"):
				provider.fetch_recording(frappe._dict(recording_id="rec-unknown"))
			stub.file_origin = "http://files.example.org"
			with self.assertRaisesRegex(ProviderCommandError, "outside Mango Office"):
				provider.fetch_recording(frappe._dict(recording_id="rec-1"))

	def test_credentials_are_checked_on_save(self):
		with self.api() as stub:
			doc = self.unsaved_settings(stub.url, self.salt)
			check_credentials(doc)
			self.assertIn("credentials accepted", doc.api_status)
			self.assertEqual(stub.commands[-1]["path"], "config/users/request")
			with self.assertRaisesRegex(frappe.ValidationError, "refused the API key or salt"):
				check_credentials(self.unsaved_settings(stub.url, "wrong-salt"))
		doc = self.unsaved_settings(UNREACHABLE_API, self.salt)
		check_credentials(doc)
		self.assertIn("not checked", doc.api_status)

	def unsaved_settings(self, base: str, salt: str):
		return frappe.get_doc(
			{
				"doctype": "Telephony Provider Settings",
				"provider_name": unique("Mango Check"),
				"provider_type": "Mango Office",
				"mango_api_key": self.key,
				"mango_api_salt": salt,
				"mango_api_base": base,
			}
		)

	def test_the_request_log_keeps_no_secret(self):
		frappe.db.set_single_value("Telephony Settings", "log_requests", 1)
		frappe.db.commit()
		try:
			self.accept("events/call", documented(fixtures.RINGING, entry_id=self.entry()))
			with self.api():
				get_provider(self.provider.name).api.post("config/users/request", {})
		finally:
			frappe.db.set_single_value("Telephony Settings", "log_requests", 0)
			frappe.db.commit()
		logs = frappe.get_all(
			"Telephony Request Log",
			{"provider": self.provider.name},
			["url", "request_headers", "request_body", "response_body"],
		)
		self.assertEqual(len(logs), 2)
		kept = json.dumps(logs)
		for secret in (self.key, self.salt, sign(self.key, "{}", self.salt)):
			self.assertNotIn(secret, kept)
