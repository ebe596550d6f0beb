"""Telphin's events as call events, and its API (against the stub): connect, token, commands, records."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.events import CallStatus, Direction, EventType
from telephony_crm.calls.times import from_unix_seconds
from telephony_crm.providers.base import OriginateRequest, WebhookRefused
from telephony_crm.providers.telphin import connect, control, registry
from telephony_crm.providers.telphin.client import TelphinClient, api_origin
from telephony_crm.providers.telphin.events import call_events
from telephony_crm.providers.telphin.tests import fixtures
from telephony_crm.providers.telphin.tests.site import stub_api
from telephony_crm.providers.telphin.tests.stub_api import RECORDING_BYTES
from telephony_crm.tests.factories import make_provider, unique

PHONE_ID, QUEUE_ID = "412345", "412400"


def fresh(event: dict, **fields) -> dict:
	"""A documented example under a call id of its own (the registry remembers calls)."""
	return {**event, "CallID": unique("call"), **fields}


class TestTelphinEvents(FrappeTestCase):
	provider = "Telphin events"

	def events(self, form: dict):
		return call_events(self.provider, form)

	def test_documented_dial_in_rings_the_extension(self):
		[event] = self.events(fixtures.DIAL_IN)
		self.assertEqual(
			(event.event, event.direction, event.extension, event.caller_number, event.called_number),
			(EventType.RINGING, Direction.INBOUND, "101", "+79161234567", "74951234567"),
		)
		self.assertEqual(event.time, from_unix_seconds(1717405200.123456))

	def test_answered_call_ends_with_its_recording(self):
		form = fresh(fixtures.DIAL_IN)
		self.events(form)
		[answer] = self.events({**fixtures.ANSWER, "CallID": form["CallID"]})
		[hangup] = self.events({**fixtures.HANGUP, "CallID": form["CallID"]})
		self.assertEqual((answer.event, answer.extension), (EventType.ANSWERED, "101"))
		self.assertEqual((hangup.event, hangup.end_status), (EventType.ENDED, CallStatus.COMPLETED))
		self.assertEqual(hangup.recording_id, "412345-9c1b7e0d3a2f4b6c8d0e1f2a3b4c5d6e")

	def test_queue_hangup_not_bridged_is_missed(self):
		[event] = self.events(fresh(fixtures.QUEUE_MISSED))
		self.assertEqual((event.event, event.end_status), (EventType.ENDED, CallStatus.MISSED))

	def test_leg_hangup_while_another_leg_goes_on_is_history(self):
		form = fresh(fixtures.DIAL_IN)
		other = {**form, "SubCallID": "412346-1", "CalledNumber": "1234*102", "CalledExtension": "1234*102@x"}
		self.events(form)
		self.events(other)
		[leg_end] = self.events(
			{**form, "EventType": "hangup", "CallStatus": "CANCEL", "EventTime": "1717405205000000"}
		)
		self.assertEqual((leg_end.event, leg_end.extension), (EventType.RINGING, "101"))
		self.assertIn("hangup CANCEL", leg_end.raw_status)
		[end] = self.events(
			{**other, "EventType": "hangup", "CallStatus": "ANSWER", "EventTime": "1717405300000000"}
		)
		self.assertEqual(end.event, EventType.ENDED)

	def test_call_placed_from_the_desk_is_found_by_the_callback_id_then_the_call_id(self):
		form = fresh(fixtures.DIAL_OUT, CallBackID=unique("cb"))
		registry.remember_alias(self.provider, form["CallBackID"], "callback-call-id")
		[dial_out] = self.events(form)
		[hangup] = self.events(
			fresh(fixtures.HANGUP, CallID=form["CallID"], CallFlow="OUT", SubCallID=form["SubCallID"])
		)
		self.assertEqual(
			(dial_out.call_id, dial_out.direction, dial_out.extension),
			("callback-call-id", Direction.OUTBOUND, "101"),
		)
		self.assertEqual(hangup.call_id, "callback-call-id")

	def test_messages_are_no_calls(self):
		self.assertEqual(self.events({**fixtures.DIAL_IN, "EventType": "message-in"}), [])

	def test_wrong_fields_are_refused_by_name(self):
		for field, value in (
			("CallID", ""),
			("EventTime", "yesterday"),
			("EventType", "ringing"),
			("CallFlow", "sideways"),
			("Bridged", "maybe"),
			("SubCallID", "<script>"),
		):
			with self.subTest(field=field), self.assertRaises(WebhookRefused) as refused:
				self.events({**fixtures.DIAL_IN, field: value})
			self.assertEqual((refused.exception.status_code, refused.exception.field), (422, field))


class TestTelphinApi(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.doc = make_provider(provider_type="Telphin", provider_name=unique("Telphin"))
		frappe.db.commit()

	def setUp(self):
		self.stub = self.enterContext(stub_api(self.doc))
		self.client = TelphinClient.for_doc(self.doc)

	def test_connect_subscribes_every_extension_once(self):
		report = connect.connect(self.doc.name)
		self.assertEqual((report.made, report.errors), (10, []))
		self.assertEqual([s["event_type"] for s in self.stub.subscriptions[QUEUE_ID]], ["hangup"])
		self.assertEqual(len(self.stub.subscriptions[PHONE_ID]), 4)
		again = connect.connect(self.doc.name)
		self.assertEqual((again.made, again.kept, again.removed), (0, 10, 0))
		self.assertIn(
			"already in place: 10", frappe.db.get_value(self.doc.doctype, self.doc.name, "api_status")
		)

	def test_subscription_elsewhere_is_reported_and_kept_an_old_secret_replaced(self):
		self.stub.subscribe(PHONE_ID, "hangup", "https://crm.example.com/telphin?token=theirs")
		self.stub.subscribe(PHONE_ID, "answer", connect.event_url(self.doc).replace("token=", "token=old"))
		report = connect.connect(self.doc.name)
		self.assertEqual((report.made, report.removed), (10, 1))
		self.assertEqual(report.elsewhere, ["1234*101 hangup: https://crm.example.com/telphin?token=***"])
		status = frappe.db.get_value(self.doc.doctype, self.doc.name, "api_status")
		self.assertNotIn(self.doc.get_password("webhook_secret"), status)
		self.assertNotIn("theirs", status)
		connect.disconnect(self.doc.name)
		remaining = [s["url"] for rows in self.stub.subscriptions.values() for s in rows]
		self.assertEqual(remaining, ["https://crm.example.com/telphin?token=theirs"])

	def test_token_is_kept_and_renewed_after_a_401(self):
		connect.connect(self.doc.name)
		self.assertEqual(self.stub.token_requests, 1)
		self.stub.expire_tokens()
		self.assertEqual(connect.connect(self.doc.name).errors, [])
		self.assertEqual(self.stub.token_requests, 2)

	def test_secrets_stay_out_of_the_request_log(self):
		frappe.db.set_single_value("Telephony Settings", "log_requests", 1)
		self.addCleanup(frappe.db.set_single_value, "Telephony Settings", "log_requests", 0)
		connect.connect(self.doc.name)
		logs = frappe.get_all(
			"Telephony Request Log",
			{"provider": self.doc.name},
			["url", "request_headers", "request_body", "response_body"],
		)
		self.assertTrue(any("client_secret" in (log.request_body or "") for log in logs))
		secrets = (fixtures.APP_SECRET, self.doc.get_password("webhook_secret"), *self.stub.tokens)
		for log in logs:
			for secret in secrets:
				self.assertNotIn(secret, json.dumps(log))

	def test_click_to_call_rings_the_agent_then_hang_up_ends_it(self):
		control.place_callback(
			self.client, OriginateRequest("tcrm-c2c-" + unique("x"), "101", "+79261112233")
		)
		[placed] = self.stub.commands
		self.assertEqual(
			(placed["extension"], placed["number"], placed["extension_id"]),
			("1234*101", "+79261112233", PHONE_ID),
		)
		call_id = registry.app_call_id(self.doc.name, placed["call_id"])
		control.hang_up(self.client, call_id)
		self.assertEqual(self.stub.commands[-1]["call_api_id"], placed["call_id"])

	def test_recording_is_streamed_from_the_api(self):
		self.stub.recordings["412345-abc"] = RECORDING_BYTES
		recording = control.fetch_recording(self.client, "412345-abc")
		self.assertEqual(
			(b"".join(recording.chunks), recording.filename), (RECORDING_BYTES, "412345-abc.mp3")
		)

	def test_recording_is_deleted_through_the_api(self):
		self.stub.recordings["412345-abc"] = RECORDING_BYTES
		control.delete_recording(self.client, "412345-abc")
		self.assertNotIn("412345-abc", self.stub.recordings)
		# Gone already (deleted in Telphin's panel, or a retry): the deletion is done, not failed.
		control.delete_recording(self.client, "412345-abc")

	def test_wrong_credentials_are_refused_on_save(self):
		self.doc.reload()
		self.doc.telphin_app_secret = "not-the-secret"
		with self.assertRaises(frappe.ValidationError) as refused:
			connect.validate_credentials(self.doc)
		self.assertIn("App Secret", str(refused.exception))

	def test_api_host(self):
		self.assertEqual(api_origin(None), "https://apiproxy.telphin.ru")
		self.assertEqual(api_origin("https://altapi.telphin.ru/"), "https://altapi.telphin.ru")
		for wrong in ("http://apiproxy.telphin.ru", "https://apiproxy.telphin.ru/api", "ftp://x"):
			with self.subTest(host=wrong), self.assertRaises(frappe.ValidationError):
				api_origin(wrong)
