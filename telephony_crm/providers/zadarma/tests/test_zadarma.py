"""Zadarma beyond the conformance kit: its signatures against known values, the URL check, refusals of
bad notifications, settings checks, and recordings through the app."""

from zoneinfo import ZoneInfo

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls import outbound
from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.providers import get_provider
from telephony_crm.providers.zadarma.signing import api_authorization, webhook_signature
from telephony_crm.providers.zadarma.tests.stub_zadarma import StubZadarma
from telephony_crm.providers.zadarma.tests.test_conformance import TIME_ZONE, UNREACHABLE_API
from telephony_crm.tests.client import post_webhook, request
from telephony_crm.tests.factories import delete_calls, make_sip_account, make_user, unique, unique_mobile

WEBHOOK = "/api/method/telephony_crm.api.webhook.receive"
SECRET = "test-secret-12345"
# Computed once from the algorithm Zadarma's PHP library implements (base64 of the hex HMAC-SHA1).
KNOWN_WEBHOOK_SIGNATURE = "MTlhNGNiODEwYmQxNDI5NjM3MzhhMzc2ZDY3MTRjNTNjNGY4ZmVjMQ=="
KNOWN_API_SIGNATURE = "ZGIwYmFkNjJiYTg0ODE3ZDU3NjcxZjIyYjIwNjI4ZmFhZDZmYmFhMQ=="
AUDIO = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 16


def zadarma_provider(**fields):
	return frappe.get_doc(
		{
			"doctype": "Telephony Provider Settings",
			"provider_name": unique("Zadarma"),
			"provider_type": "Zadarma",
			"enabled": 1,
			"default_region": "Russian Federation",
			"zadarma_api_key": "key-1",
			"zadarma_api_secret": SECRET,
			"zadarma_api_base": UNREACHABLE_API,
			"zadarma_time_zone": TIME_ZONE,
			**fields,
		}
	).insert(ignore_permissions=True)


def start_form(**fields) -> dict:
	return {
		"event": "NOTIFY_START",
		"call_start": frappe.utils.now_datetime().strftime("%Y-%m-%d %H:%M:%S"),
		"pbx_call_id": unique("in"),
		"caller_id": "79161234567",
		"called_did": "74951234567",
		**fields,
	}


class TestSignatures(FrappeTestCase):
	def test_a_notification_is_signed_as_zadarma_signs_it(self):
		form = {"caller_id": "79161234567", "called_did": "74951234567", "call_start": "2024-06-03 12:00:00"}
		self.assertEqual(webhook_signature(SECRET, "NOTIFY_START", form), KNOWN_WEBHOOK_SIGNATURE)
		self.assertEqual(len(KNOWN_WEBHOOK_SIGNATURE), 56)

	def test_an_api_request_is_signed_as_zadarma_checks_it(self):
		authorization = api_authorization(
			"key-1", SECRET, "/v1/request/callback/", {"to": "79261112233", "from": "101", "format": "json"}
		)
		self.assertEqual(authorization, f"key-1:{KNOWN_API_SIGNATURE}")


class ZadarmaCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = zadarma_provider()
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def notify(self, form: dict, signature: str | None = None):
		signature = webhook_signature(SECRET, form["event"], form) if signature is None else signature
		headers = {"Signature": signature} if signature else {}
		return post_webhook(self.provider.name, data=form, headers=headers)


class TestNotifications(ZadarmaCase):
	def test_the_url_check_is_answered_with_its_value(self):
		response = request("get", WEBHOOK, query_string={"provider": self.provider.name, "zd_echo": "Ab3_x"})
		self.assertEqual((response.status_code, response.get_data(as_text=True)), (200, "Ab3_x"))
		self.assertTrue(response.content_type.startswith("text/plain"))

	def test_an_odd_url_check_is_refused(self):
		response = request(
			"get", WEBHOOK, query_string={"provider": self.provider.name, "zd_echo": "<b>hi</b>"}
		)
		self.assertEqual(response.status_code, 422)
		self.assertIn("zd_echo", response.get_data(as_text=True))

	def test_a_get_that_is_no_url_check_is_refused(self):
		response = request("get", WEBHOOK, query_string={"provider": self.provider.name})
		self.assertEqual(response.status_code, 405)

	def test_unsigned_wrongly_signed_and_unknown_notifications_are_refused(self):
		form = start_form()
		cases = {
			"": "Signature header is required",
			"d3Jvbmc=": "Wrong Signature",
		}
		for signature, message in cases.items():
			with self.subTest(signature=signature):
				response = self.notify(form, signature)
				self.assertEqual(response.status_code, 401)
				self.assertIn(message, response.get_data(as_text=True))
		response = self.notify({**form, "event": "NOTIFY_SOMETHING"}, "d3Jvbmc=")
		self.assertEqual(response.status_code, 401)
		self.assertIn("Unknown event", response.get_data(as_text=True))
		frappe.db.rollback()
		self.assertFalse(
			frappe.db.exists(CALL_DOCTYPE, {"provider": self.provider.name, "call_id": form["pbx_call_id"]})
		)

	def test_bad_fields_are_refused_by_name(self):
		cases = {
			"call_start": {"call_start": "03.06.2024 12:00"},
			"caller_id": {"caller_id": "<script>alert(1)</script>"},
			"pbx_call_id": {"pbx_call_id": ""},
		}
		for field, change in cases.items():
			with self.subTest(field=field):
				response = self.notify(start_form(**change))
				self.assertEqual(response.status_code, 422, response.get_data(as_text=True))
				self.assertEqual(response.get_json()["field"], field)

	def test_a_call_is_recorded_in_the_accounts_time_zone(self):
		form = start_form(call_start="2026-12-03 10:00:00")
		self.assertEqual(self.notify(form).status_code, 200)
		frappe.db.rollback()
		started = frappe.db.get_value(
			CALL_DOCTYPE, {"provider": self.provider.name, "call_id": form["pbx_call_id"]}, "started_at"
		)
		# 10:00 in Moscow (UTC+3) is 07:00 UTC, shown in the site's time zone.
		expected = (
			frappe.utils.get_datetime("2026-12-03 07:00:00")
			.replace(tzinfo=ZoneInfo("UTC"))
			.astimezone(ZoneInfo(frappe.utils.get_system_timezone()))
			.replace(tzinfo=None)
		)
		self.assertEqual(started, expected)

	def test_an_unknown_disposition_is_kept_and_the_call_ends_unanswered(self):
		start = start_form()
		self.notify(start)
		end = {
			**start,
			"event": "NOTIFY_END",
			"internal": "101",
			"duration": "0",
			"disposition": "something new",
			"status_code": "31",
		}
		self.assertEqual(self.notify(end).status_code, 200)
		frappe.db.rollback()
		call = frappe.get_doc(CALL_DOCTYPE, {"provider": self.provider.name, "call_id": start["pbx_call_id"]})
		self.assertEqual(call.status, "Missed")
		self.assertIn("something new (Q.931 31)", [row.raw_status for row in call.events])


class TestSettings(FrappeTestCase):
	def test_a_wrong_time_zone_is_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "is not a time zone"):
			zadarma_provider(zadarma_time_zone="Moscow")

	def test_credentials_are_checked_on_save(self):
		with StubZadarma("key-1", SECRET) as stub:
			doc = zadarma_provider(zadarma_api_base=stub.origin)
			self.assertIn("credentials accepted by Zadarma", doc.api_status)
			self.assertEqual(stub.requests, ["/v1/info/balance/"])
		with StubZadarma("key-1", "another-secret") as stub:
			with self.assertRaisesRegex(frappe.ValidationError, "Not authorized"):
				zadarma_provider(zadarma_api_base=stub.origin)

	def test_zadarma_recordings_cannot_be_deleted_through_it(self):
		with self.assertRaisesRegex(frappe.ValidationError, "cannot delete recordings"):
			zadarma_provider(copy_recordings=1, delete_recordings_at_provider=1)


class TestRecordings(ZadarmaCase):
	def test_a_recording_is_fetched_through_its_short_lived_link(self):
		with StubZadarma("key-1", SECRET) as stub:
			stub.recordings["1717405200.1"] = AUDIO
			self.provider.db_set("zadarma_api_base", stub.origin)
			provider = get_provider(self.provider.name)
			call = frappe._dict(recording_id="1717405200.1")
			whole = provider.fetch_recording(call)
			self.assertEqual(b"".join(whole.chunks), AUDIO)
			part = provider.fetch_recording(call, "bytes=10-19")
			self.assertEqual(
				(b"".join(part.chunks), part.content_range), (AUDIO[10:20], f"bytes 10-19/{len(AUDIO)}")
			)

	def test_a_link_outside_zadarma_is_not_followed(self):
		with StubZadarma("key-1", SECRET, link_origin="https://files.example.com") as stub:
			stub.recordings["1717405200.2"] = AUDIO
			self.provider.db_set("zadarma_api_base", stub.origin)
			provider = get_provider(self.provider.name)
			with self.assertRaisesRegex(frappe.ValidationError, "leads outside Zadarma"):
				provider.fetch_recording(frappe._dict(recording_id="1717405200.2"))


class TestCommands(ZadarmaCase):
	def test_a_refusal_over_the_request_limit_reaches_the_agent_as_zadarmas_message(self):
		agent = make_user()
		make_sip_account(agent, self.provider.name, "101")
		with StubZadarma("key-1", SECRET) as stub:
			stub.rate_limited = True
			self.provider.db_set("zadarma_api_base", stub.origin)
			frappe.db.commit()
			try:
				frappe.set_user(agent)
				placed = outbound.place_call(unique_mobile())
			finally:
				frappe.set_user("Administrator")
				self.provider.db_set("zadarma_api_base", UNREACHABLE_API)
				frappe.db.commit()
		self.assertEqual(placed["status"], "Failed")
		self.assertIn("exceeded the limit of requests", placed["error"])
