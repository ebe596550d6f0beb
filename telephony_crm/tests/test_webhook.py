"""The Generic Webhook through Frappe's real request path: every answer, every refusal."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.tests.client import post_webhook
from telephony_crm.tests.factories import delete_calls, make_provider, make_sip_account, make_user, unique


class TestGenericWebhook(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider()
		cls.secret = cls.provider.get_password("webhook_secret")
		cls.disabled = make_provider(enabled=0)
		cls.agent = make_user()
		make_sip_account(cls.agent, cls.provider.name, "101")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		for provider in (cls.provider.name, cls.disabled.name):
			delete_calls(provider)
			frappe.db.delete("Telephony Request Log", {"provider": provider})
			frappe.delete_doc("Telephony Provider Settings", provider, ignore_permissions=True, force=True)
		frappe.db.set_single_value("Telephony Settings", "log_requests", 0)
		frappe.db.commit()
		super().tearDownClass()

	def post(self, payload, **kwargs):
		kwargs.setdefault("token", self.secret)
		return post_webhook(self.provider.name, payload, **kwargs)

	def ringing(self, **fields):
		return {
			"event": "ringing",
			"call_id": unique("wh"),
			"direction": "inbound",
			"from": "+79161234567",
			"to": "+74951234567",
			"extension": "101",
			"timestamp": "2026-03-02T10:00:00+03:00",
			**fields,
		}

	def call(self, call_id):
		frappe.db.rollback()  # see what the request committed
		return frappe.get_doc("Telephony Call Log", {"provider": self.provider.name, "call_id": call_id})

	def assertRefused(self, response, status, field=None):
		self.assertEqual(response.status_code, status, response.get_data(as_text=True))
		body = response.get_json()
		self.assertTrue(body["error"])
		if field:
			self.assertEqual(body.get("field"), field)
		return body

	def assertNoCall(self, call_id):
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Telephony Call Log", {"call_id": call_id}))

	def test_full_inbound_call(self):
		call_id = unique("wh")
		response = self.post(self.ringing(call_id=call_id))
		self.assertEqual(response.status_code, 200)
		body = response.get_json()
		self.assertEqual(body["status"], "Ringing")
		self.post(
			{"event": "answered", "call_id": call_id, "timestamp": "2026-03-02T07:00:05Z", "extension": "101"}
		)
		response = self.post(
			{
				"event": "ended",
				"call_id": call_id,
				"timestamp": 1772434865,  # 2026-03-02T07:01:05Z
				"recording_url": "https://pbx.example/rec/1.wav",
			}
		)
		self.assertEqual(response.get_json(), {"call": body["call"], "status": "Completed"})
		call = self.call(call_id)
		self.assertEqual((call.ring_duration, call.talk_duration, call.agent), (5, 60, self.agent))
		self.assertEqual(call.recording_url, "https://pbx.example/rec/1.wav")

	def test_secret_in_header(self):
		response = self.post(self.ringing(), token=None, header_token=self.secret)
		self.assertEqual(response.status_code, 200)

	def test_form_encoded_body(self):
		call_id = unique("form")
		response = post_webhook(
			self.provider.name,
			None,
			token=self.secret,
			data={**self.ringing(call_id=call_id), "duration": "3"},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.assertEqual(self.call(call_id).direction, "Inbound")

	def test_ended_with_status_from_the_pbx(self):
		call_id = unique("busy")
		self.post(self.ringing(call_id=call_id))
		response = self.post({"event": "ended", "call_id": call_id, "status": "busy"})
		self.assertEqual(response.get_json()["status"], "Busy")

	def test_repeated_delivery_is_harmless(self):
		payload = self.ringing()
		first, second = self.post(payload), self.post(payload)
		self.assertEqual(first.get_json(), second.get_json())
		self.assertEqual(len(self.call(payload["call_id"]).events), 1)

	def test_missing_secret(self):
		payload = self.ringing()
		self.assertRefused(self.post(payload, token=None), 401)
		self.assertNoCall(payload["call_id"])

	def test_wrong_secret(self):
		payload = self.ringing()
		self.assertRefused(self.post(payload, token="not-the-secret"), 401)
		self.assertRefused(self.post(payload, token=None, header_token="not-the-secret"), 401)
		self.assertNoCall(payload["call_id"])

	def test_secret_of_another_provider(self):
		other_secret = self.disabled.get_password("webhook_secret")
		self.assertRefused(self.post(self.ringing(), token=other_secret), 401)

	def test_unknown_provider(self):
		self.assertRefused(post_webhook("No Such PBX", self.ringing(), token=self.secret), 404)
		self.assertRefused(post_webhook(None, self.ringing(), token=self.secret), 404)

	def test_disabled_provider(self):
		secret = self.disabled.get_password("webhook_secret")
		payload = self.ringing()
		self.assertRefused(post_webhook(self.disabled.name, payload, token=secret), 404)
		self.assertNoCall(payload["call_id"])

	def test_body_too_large(self):
		payload = self.ringing(padding="x" * 70_000)
		self.assertRefused(self.post(payload), 413)
		self.assertNoCall(payload["call_id"])

	def test_bad_fields_are_named(self):
		cases = [
			({"event": None}, "event"),
			({"event": "hold"}, "event"),
			({"call_id": ""}, "call_id"),
			({"call_id": "x" * 141}, "call_id"),
			({"direction": "sideways"}, "direction"),
			({"timestamp": "yesterday"}, "timestamp"),
			({"timestamp": "2026-03-02T10:00:00"}, "timestamp"),
			({"from": {"number": 1}}, "from"),
			({"event": "ended", "status": "exploded"}, "status"),
			({"event": "ended", "duration": -5}, "duration"),
			({"event": "ended", "duration": "long"}, "duration"),
			({"event": "ended", "recording_url": "file:///etc/passwd"}, "recording_url"),
			({"event": "ended", "recording_url": "javascript:alert(1)"}, "recording_url"),
		]
		for fields, field in cases:
			payload = self.ringing(**fields)
			with self.subTest(field=field, value=fields):
				self.assertRefused(self.post(payload), 422, field)
				if payload.get("call_id"):
					self.assertNoCall(payload["call_id"])

	def test_an_ended_event_before_the_ringing_one_is_recorded(self):
		ringing = self.ringing()
		ended = {"event": "ended", "call_id": ringing["call_id"], "timestamp": "2026-03-02T10:01:00+03:00"}
		self.assertEqual(self.post(ended).status_code, 200)
		self.assertEqual(self.call(ringing["call_id"]).status, "Missed")
		self.assertEqual(self.post(ringing).status_code, 200)
		call = self.call(ringing["call_id"])
		self.assertEqual((call.direction, call.status, call.ring_duration), ("Inbound", "Missed", 60))

	def test_body_not_an_object(self):
		self.assertRefused(self.post(["ringing"]), 422)

	def test_get_is_not_allowed(self):
		from telephony_crm.tests.client import WEBHOOK_PATH, request

		response = request(
			"get", WEBHOOK_PATH, query_string={"provider": self.provider.name, "token": self.secret}
		)
		self.assertGreaterEqual(response.status_code, 400)
		self.assertLess(response.status_code, 500)

	def test_requests_are_logged_without_secrets(self):
		frappe.db.set_single_value("Telephony Settings", "log_requests", 1)
		frappe.db.commit()
		try:
			self.post(self.ringing(), token=None, header_token=self.secret)
			self.post(self.ringing(), token="wrong")
		finally:
			frappe.db.set_single_value("Telephony Settings", "log_requests", 0)
			frappe.db.commit()
		logs = frappe.get_all(
			"Telephony Request Log",
			{"provider": self.provider.name},
			["status_code", "url", "request_headers", "request_body", "error"],
			order_by="creation desc",
			limit=2,
		)
		self.assertEqual(sorted(log.status_code for log in logs), [200, 401])
		for log in logs:
			stored = json.dumps(log)
			self.assertNotIn(self.secret, stored)
			self.assertNotIn("wrong", log.url)
		refused = next(log for log in logs if log.status_code == 401)
		self.assertIn("secret", refused.error.lower())
