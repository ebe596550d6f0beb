"""Markup from outside never reaches a call: the webhook refuses it, and every other way into the engine
(a PBX connector's events, a PBX's error text, a record's name) stores it as plain text.

Frappe's desk renders Data fields as HTML, and the engine's lean writes skip Frappe's sanitizing."""

import re
from unittest.mock import Mock, patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.api import calls as api
from telephony_crm.calls.engine import process_event
from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.calls.times import site_now
from telephony_crm.providers.base import WebhookRefused
from telephony_crm.providers.generic_webhook.payload import parse_payload
from telephony_crm.tests.client import post_webhook
from telephony_crm.tests.factories import (
	delete_calls,
	make_contact,
	make_provider,
	make_sip_account,
	make_user,
	provider_footprint,
	stored_strings,
	unique,
	unique_mobile,
	webhook_payload,
)

CALL = "Telephony Call Log"
PROVIDER = "Telephony Provider Settings"
MARKUP = re.compile(r"[<>\"'`]")
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'


class HostileCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider().name
		cls.agent = make_user()
		make_sip_account(cls.agent, cls.provider, "101")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()  # a fresh read view: calls the requests committed after the last one
		delete_calls(cls.provider)
		frappe.db.delete("Telephony Request Log", {"provider": cls.provider})
		frappe.db.delete("Error Log", {"method": ("like", f"%{cls.provider}%")})
		frappe.db.delete("SIP Account", {"provider": cls.provider})
		frappe.delete_doc(PROVIDER, cls.provider, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def assertPlain(self, call: str):
		"""Nothing stored for the call, in its row or its events', can open or close markup."""
		frappe.db.rollback()  # see what was committed
		strings = stored_strings(call)
		self.assertTrue(strings)
		for value in strings:
			self.assertIsNone(MARKUP.search(value), f"{value!r} stored on {call}")


class TestMarkupAtTheWebhook(HostileCase):
	def assertRefusedAndNothingWritten(self, field: str, payload: dict):
		before = provider_footprint(self.provider)
		secret = frappe.utils.password.get_decrypted_password(PROVIDER, self.provider, "webhook_secret")
		response = post_webhook(self.provider, payload, token=secret)
		self.assertEqual(response.status_code, 422, response.get_data(as_text=True))
		answer = response.get_json()
		self.assertEqual(answer["field"], field)
		# The refusal names the field, and does not echo the markup (the Request Log shows the error).
		self.assertNotIn(payload[field], answer["error"])
		self.assertNotRegex(answer["error"], "<(img|svg)")
		frappe.db.rollback()
		self.assertEqual(provider_footprint(self.provider), before)

	def test_markup_as_the_status_of_an_answered_event(self):
		self.assertRefusedAndNothingWritten("status", webhook_payload(event="answered", status=IMG))

	def test_markup_after_the_recording_url(self):
		self.assertRefusedAndNothingWritten("recording_url", webhook_payload(recording_url=f"http://x/{SVG}"))

	def test_markup_as_the_caller_number(self):
		self.assertRefusedAndNothingWritten("from", webhook_payload(**{"from": f"+7916{IMG}"}))

	def test_quotes_in_the_call_id(self):
		self.assertRefusedAndNothingWritten("call_id", webhook_payload(call_id=f"{unique('q')}'\"`"))


def hostile_event(provider: str, call_id: str, event: EventType, **fields) -> CallEvent:
	"""An event as a PBX connector could build it, markup in every string it carries."""
	return CallEvent(
		provider=provider,
		call_id=call_id,
		event=event,
		time=site_now(),
		direction=Direction.INBOUND,
		**{
			"caller_number": f"+79161234567{IMG}",
			"called_number": f"{SVG}+74951234567",
			"extension": f"101{SVG}",
			"raw_status": f"ringing {IMG}",
			"recording_url": f"https://pbx.example/rec/1.wav{SVG}",
			**fields,
		},
	)


class TestMarkupFromInsideTheEngine(HostileCase):
	def test_a_new_call_through_commit_event(self):
		call_id = f"{unique('c')}{SVG}"
		result = commit_event(hostile_event(self.provider, call_id, EventType.RINGING))
		self.assertPlain(result.name)
		# Kept as text, less the markup (the call is still the PBX's call); a URL that is not one, dropped.
		call = frappe.db.get_value(CALL, result.name, ["call_id", "recording_url"], as_dict=True)
		self.assertEqual(call.call_id, re.sub(MARKUP, "", call_id))
		self.assertIsNone(call.recording_url)

	def test_a_new_call_through_process_event(self):
		result = process_event(hostile_event(self.provider, f"{unique('p')}`'", EventType.RINGING))
		frappe.db.commit()
		self.assertPlain(result.name)

	def test_a_later_event_of_the_call(self):
		# The same caller: the engine's lean update, which writes without Frappe's save.
		call_id = unique("lean")
		commit_event(hostile_event(self.provider, call_id, EventType.RINGING))
		result = commit_event(
			hostile_event(
				self.provider, call_id, EventType.ENDED, end_status=CallStatus.COMPLETED, duration=30
			)
		)
		self.assertPlain(result.name)

	def test_a_later_event_that_changes_the_caller(self):
		# Another external number: the caller is identified anew and the call saved in full.
		call_id = unique("full")
		commit_event(hostile_event(self.provider, call_id, EventType.RINGING))
		result = commit_event(
			hostile_event(self.provider, call_id, EventType.ANSWERED, caller_number=f"{unique_mobile()}{IMG}")
		)
		self.assertPlain(result.name)

	def test_a_pbx_error_text_kept_on_the_failed_call(self):
		# What the PBX answers a refused command with is the failed call's status text.
		refusal = Mock(ok=False, status_code=500, text=f"refused {IMG}", json=Mock(side_effect=ValueError))
		frappe.db.set_value(PROVIDER, self.provider, "control_url", "http://127.0.0.1:9/control")
		frappe.db.commit()
		self.addCleanup(frappe.db.commit)
		self.addCleanup(frappe.db.set_value, PROVIDER, self.provider, "control_url", None)
		with patch("telephony_crm.providers.http.requests.request", return_value=refusal):
			frappe.set_user(self.agent)
			result = api.place_call(unique_mobile())
		self.assertEqual(result["status"], "Failed")
		self.assertPlain(result["call"])
		kept = frappe.get_all(
			"Telephony Call Event", {"parent": result["call"], "event": "ended"}, pluck="raw_status"
		)
		self.assertIn("answered HTTP 500: refused img src=x onerror=alert(1)", kept[0])

	def test_the_names_of_the_records_the_caller_is_found_in(self):
		# Frappe refuses < and > in a record's name, not quotes: enough to leave an HTML attribute. Two
		# contacts share the number: one names the caller, the other is linked with its title.
		number = unique_mobile()
		contacts = {
			make_contact([number], first_name=f"Eve{unique('')}\" onmouseover='alert(1)`").name
			for _ in range(2)
		}
		frappe.db.commit()
		self.addCleanup(frappe.db.commit)
		for contact in contacts:
			self.addCleanup(frappe.delete_doc, "Contact", contact, ignore_permissions=True, force=True)
		result = commit_event(
			hostile_event(self.provider, unique("named"), EventType.RINGING, caller_number=number)
		)
		self.assertPlain(result.name)
		call = frappe.get_doc(CALL, result.name)
		self.assertIn(call.contact, contacts)
		self.assertTrue(call.caller_name.startswith("Eve"))
		titles = [row.link_title for row in call.links if row.link_name in contacts]
		self.assertEqual(len(titles), 1)
		self.assertIsNone(MARKUP.search(titles[0]), titles[0])


class TestCharactersNoRecordCanHold(HostileCase):
	"""What JSON can carry and MariaDB's utf8mb4 cannot store (a lone surrogate, sent as "\\ud800"), and
	what Python cannot even write down, is refused in words like any bad field, never a 500."""

	def post(self, payload):
		secret = frappe.utils.password.get_decrypted_password(PROVIDER, self.provider, "webhook_secret")
		return post_webhook(self.provider, payload, token=secret)

	def test_a_lone_surrogate_in_a_refused_field_is_a_422(self):
		# The refusal is kept in the Request Log with the body: the body must not break that write.
		response = self.post(webhook_payload(event="\ud800"))
		self.assertEqual(response.status_code, 422, response.get_data(as_text=True))
		self.assertEqual(response.get_json()["field"], "event")

	def test_a_recording_url_that_is_not_printable_is_refused(self):
		for url in ("https://pbx.example/rec/\ud800.wav", "https://pbx.example/rec/\x00.wav"):
			with self.subTest(url=url):
				before = provider_footprint(self.provider)
				response = self.post(webhook_payload(recording_url=url))
				self.assertEqual(response.status_code, 422, response.get_data(as_text=True))
				self.assertEqual(response.get_json()["field"], "recording_url")
				frappe.db.rollback()
				self.assertEqual(provider_footprint(self.provider), before)

	def test_an_integer_too_long_to_write_down_is_refused_in_words(self):
		with self.assertRaises(WebhookRefused) as refusal:
			parse_payload(webhook_payload(**{"from": 10**5000}), self.provider)
		self.assertEqual(refusal.exception.field, "from")
