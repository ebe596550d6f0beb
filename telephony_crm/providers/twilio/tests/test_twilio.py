"""Twilio beyond the conformance kit: its signature against Twilio's own example, the TwiML the app
answers with, refusals, settings checks, and recordings through the API."""

from urllib.parse import urlencode
from xml.etree import ElementTree

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls import outbound
from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.providers import get_provider
from telephony_crm.providers.twilio.signing import is_signed, signature
from telephony_crm.providers.twilio.tests.stub_twilio import StubTwilio
from telephony_crm.providers.twilio.tests.test_conformance import SIP_DOMAIN, TWILIO_NUMBER, UNREACHABLE_API
from telephony_crm.tests.client import WEBHOOK_PATH, request
from telephony_crm.tests.factories import delete_calls, make_sip_account, make_user, unique

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "token-0123456789"
AUDIO = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 16


def twilio_provider(**fields):
	return frappe.get_doc(
		{
			"doctype": "Telephony Provider Settings",
			"provider_name": unique("Twilio"),
			"provider_type": "Twilio",
			"enabled": 1,
			"default_region": "United States",
			"twilio_api_base": UNREACHABLE_API,
			"twilio_account_sid": SID,
			"twilio_auth_token": TOKEN,
			"twilio_caller_id": TWILIO_NUMBER,
			"twilio_sip_domain": SIP_DOMAIN,
			**fields,
		}
	).insert(ignore_permissions=True)


class TestSignature(FrappeTestCase):
	def test_twilios_own_example(self):
		# The example of Twilio's security documentation and twilio-python's tests.
		url = "https://mycompany.com/myapp.php?foo=1&bar=2"
		params = {
			"CallSid": "CA1234567890ABCDE",
			"Caller": "+12349013030",
			"Digits": "1234",
			"From": "+12349013030",
			"To": "+18005551212",
		}
		self.assertEqual(signature("12345", url, params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")

	def test_the_default_port_may_be_written_or_not(self):
		given = signature("12345", "https://erp.example.com:443/hook?a=1", {})
		self.assertTrue(is_signed("12345", "https://erp.example.com/hook?a=1", {}, given))
		self.assertFalse(is_signed("12345", "https://erp.example.com:8443/hook?a=1", {}, given))


class TwilioCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = twilio_provider()
		cls.agents = [make_user(), make_user()]
		make_sip_account(cls.agents[0], cls.provider.name, "101")
		make_sip_account(cls.agents[1], cls.provider.name, "client:anna")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def post(self, args: dict, form: dict, signed: bool = True, provider=None):
		provider = provider or self.provider
		query = urlencode({"provider": provider.name, **args})
		headers = (
			{"X-Twilio-Signature": signature(TOKEN, f"http://localhost{WEBHOOK_PATH}?{query}", form)}
			if signed
			else {}
		)
		return request("post", f"{WEBHOOK_PATH}?{query}", headers, data=form)


class TestVoiceWebhook(TwilioCase):
	def test_an_inbound_call_rings_every_line_with_escaped_twiml(self):
		sid = f"CA{frappe.generate_hash(length=32)}"
		response = self.post(
			{"twilio": "voice"}, {"CallSid": sid, "From": "+14155550123", "To": TWILIO_NUMBER}
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.assertTrue(response.content_type.startswith("text/xml"))
		dial = ElementTree.fromstring(response.get_data()).find("Dial")
		self.assertIn("twilio=dial", dial.get("action"))
		self.assertEqual(dial.find("Sip").text, f"sip:101@{SIP_DOMAIN}")
		self.assertEqual(dial.find("Client").text, "anna")
		self.assertIn("ext=101", dial.find("Sip").get("statusCallback"))
		frappe.db.rollback()
		call = frappe.get_doc(CALL_DOCTYPE, {"provider": self.provider.name, "call_id": sid})
		self.assertEqual(
			(call.direction, call.status, call.caller_number), ("Inbound", "Ringing", "+14155550123")
		)

	def test_an_agent_dialling_out_through_twilio_dials_the_number(self):
		sid = f"CA{frappe.generate_hash(length=32)}"
		response = self.post(
			{"twilio": "voice"}, {"CallSid": sid, "From": f"sip:101@{SIP_DOMAIN}", "To": "+14155550199"}
		)
		dial = ElementTree.fromstring(response.get_data()).find("Dial")
		self.assertEqual((dial.get("callerId"), dial.find("Number").text), (TWILIO_NUMBER, "+14155550199"))
		frappe.db.rollback()
		call = frappe.get_doc(CALL_DOCTYPE, {"provider": self.provider.name, "call_id": sid})
		self.assertEqual((call.direction, call.agent), ("Outbound", self.agents[0]))

	def test_with_no_line_to_ring_the_call_is_missed_and_says_why(self):
		provider = twilio_provider()
		frappe.db.commit()
		sid = f"CA{frappe.generate_hash(length=32)}"
		response = self.post(
			{"twilio": "voice"},
			{"CallSid": sid, "From": "+14155550123", "To": TWILIO_NUMBER},
			provider=provider,
		)
		self.assertIsNone(ElementTree.fromstring(response.get_data()).find("Dial"))
		frappe.db.rollback()
		call = frappe.get_doc(CALL_DOCTYPE, {"provider": provider.name, "call_id": sid})
		self.assertEqual(call.status, "Missed")
		self.assertIn("no enabled line to ring", [row.raw_status for row in call.events])
		delete_calls(provider.name)
		frappe.db.commit()

	def test_unsigned_and_wrongly_signed_requests_are_refused(self):
		form = {
			"CallSid": f"CA{frappe.generate_hash(length=32)}",
			"From": "+14155550123",
			"To": TWILIO_NUMBER,
		}
		self.assertEqual(self.post({"twilio": "voice"}, form, signed=False).status_code, 401)
		query = urlencode({"provider": self.provider.name, "twilio": "voice"})
		wrong = request("post", f"{WEBHOOK_PATH}?{query}", {"X-Twilio-Signature": "d3Jvbmc="}, data=form)
		self.assertEqual(wrong.status_code, 401)
		self.assertIn("Public Site URL", wrong.get_data(as_text=True))
		frappe.db.rollback()
		self.assertFalse(
			frappe.db.exists(CALL_DOCTYPE, {"provider": self.provider.name, "call_id": form["CallSid"]})
		)

	def test_bad_fields_are_refused_by_name(self):
		sid = f"CA{frappe.generate_hash(length=32)}"
		cases = (
			({"twilio": "something"}, {"CallSid": sid}, "twilio"),
			(
				{"twilio": "leg", "dir": "in", "call": sid, "ext": "101"},
				{"CallStatus": "dancing"},
				"CallStatus",
			),
			(
				{"twilio": "leg", "dir": "sideways", "call": sid, "ext": "101"},
				{"CallStatus": "ringing"},
				"dir",
			),
			(
				{"twilio": "leg", "dir": "in", "call": sid, "ext": "101"},
				{"CallStatus": "ringing", "Timestamp": "yesterday"},
				"Timestamp",
			),
		)
		for args, form, field in cases:
			with self.subTest(field=field):
				response = self.post(args, form)
				self.assertEqual(response.status_code, 422, response.get_data(as_text=True))
				self.assertEqual(response.get_json()["field"], field)


class TestForwardOnNoAnswer(TwilioCase):
	"""An inbound call no line picks up goes on to the provider's Forward Number, for its dial timeout."""

	FORWARD = "+14155550142"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider.db_set({"forward_number": cls.FORWARD, "dial_timeout": 25})
		frappe.db.commit()

	def answer_to_dial(self, direction: str, status: str):
		sid = f"CA{frappe.generate_hash(length=32)}"
		response = self.post(
			{"twilio": "dial", "dir": direction, "call": sid},
			{"CallSid": sid, "DialCallStatus": status, "DialCallDuration": "0"},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		return ElementTree.fromstring(response.get_data())

	def assertForwarded(self, twiml):
		dial = twiml.find("Dial")
		self.assertEqual((dial.find("Number").text, dial.get("timeout")), (self.FORWARD, "25"))
		self.assertIsNone(dial.get("action"))  # the forwarded leg ends the call

	def test_a_call_no_line_picked_up_is_forwarded(self):
		for status in ("no-answer", "busy", "failed"):
			with self.subTest(status=status):
				self.assertForwarded(self.answer_to_dial("in", status))

	def test_an_answered_or_abandoned_call_and_an_outbound_one_are_not(self):
		for direction, status in (("in", "completed"), ("in", "canceled"), ("out", "no-answer")):
			with self.subTest(direction=direction, status=status):
				twiml = self.answer_to_dial(direction, status)
				self.assertIsNone(twiml.find("Dial"))
				self.assertIsNotNone(twiml.find("Hangup"))

	def test_with_no_line_to_ring_the_call_goes_to_the_forward_number_at_once(self):
		provider = twilio_provider(forward_number="(415) 555-0142", dial_timeout=25)
		frappe.db.commit()
		sid = f"CA{frappe.generate_hash(length=32)}"
		response = self.post(
			{"twilio": "voice"},
			{"CallSid": sid, "From": "+14155550123", "To": TWILIO_NUMBER},
			provider=provider,
		)
		self.assertForwarded(ElementTree.fromstring(response.get_data()))
		delete_calls(provider.name)
		frappe.db.commit()


class TestSettings(FrappeTestCase):
	def test_credentials_are_checked_on_save(self):
		with StubTwilio(SID, TOKEN) as stub:
			self.assertIn(
				"credentials accepted by Twilio", twilio_provider(twilio_api_base=stub.origin).api_status
			)
		with StubTwilio(SID, "another-token") as stub:
			with self.assertRaisesRegex(frappe.ValidationError, "Authenticate"):
				twilio_provider(twilio_api_base=stub.origin)


class TestRecordings(TwilioCase):
	def test_a_recording_is_fetched_and_deleted_through_the_api(self):
		with StubTwilio(SID, TOKEN) as stub:
			stub.recordings["RE1"] = AUDIO
			self.provider.db_set("twilio_api_base", stub.origin)
			try:
				provider = get_provider(self.provider.name)
				call = frappe._dict(recording_id="RE1")
				self.assertEqual(b"".join(provider.fetch_recording(call).chunks), AUDIO)
				self.assertIsNone(provider.recording_deletion_refusal())
				provider.delete_recording(call)
				provider.delete_recording(call)  # gone already: done too
				self.assertEqual(stub.deleted, ["RE1"])
			finally:
				self.provider.db_set("twilio_api_base", UNREACHABLE_API)


class TestCommands(TwilioCase):
	def test_a_refusal_over_the_limit_reaches_the_agent_as_twilios_message(self):
		with StubTwilio(SID, TOKEN) as stub:
			stub.rate_limited = True
			self.provider.db_set("twilio_api_base", stub.origin)
			frappe.db.commit()
			try:
				frappe.set_user(self.agents[0])
				placed = outbound.place_call("+14155550142")
			finally:
				frappe.set_user("Administrator")
				self.provider.db_set("twilio_api_base", UNREACHABLE_API)
				frappe.db.commit()
		self.assertEqual(placed["status"], "Failed")
		self.assertIn("Too Many Requests", placed["error"])

	def test_a_call_placed_from_the_desk_rings_the_agent_then_dials_the_number(self):
		with StubTwilio(SID, TOKEN) as stub:
			self.provider.db_set("twilio_api_base", stub.origin)
			frappe.db.commit()
			try:
				frappe.set_user(self.agents[0])
				placed = outbound.place_call("+14155550143")
			finally:
				frappe.set_user("Administrator")
				self.provider.db_set("twilio_api_base", UNREACHABLE_API)
				frappe.db.commit()
		self.assertNotIn("error", placed)
		[command] = stub.commands
		form = dict(command["form"])
		call_id = frappe.db.get_value(CALL_DOCTYPE, placed["call"], "call_id")
		self.assertEqual(
			(form["To"], form["From"], command["number"]),
			(f"sip:101@{SIP_DOMAIN}", TWILIO_NUMBER, "+14155550143"),
		)
		self.assertIn(f"call={call_id}", form["StatusCallback"])
		self.assertEqual(
			[value for name, value in command["form"] if name == "StatusCallbackEvent"],
			["initiated", "ringing", "answered", "completed"],
		)
