"""Routing: the PBX asks where a ringing call should go; the answer is the responsible manager's
extension, or no preference."""

from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.availability.record import CHOSEN, change_agent
from telephony_crm.availability.status import AVAILABLE, AWAY
from telephony_crm.calls.events import CallStatus, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.calls.times import site_now
from telephony_crm.routing.forwarding import DEFAULT_DIAL_TIMEOUT, MAX_DIAL_TIMEOUT
from telephony_crm.routing.route import ERROR_HEADER, TOKEN_HEADER
from telephony_crm.tests.client import request
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_contact,
	make_customer,
	make_provider,
	make_sip_account,
	make_user,
	telephony_settings,
	unique,
	unique_mobile,
	use_region,
)

ROUTE_PATH = "/api/method/telephony_crm.api.routing.route"


class RoutingCase(FrappeTestCase):
	"""Requests go through Frappe's WSGI application in threads of their own: the data is committed."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_region()
		cls.provider = make_provider()
		cls.secret = cls.provider.get_password("webhook_secret")
		cls.manager = make_user(prefix="manager")
		make_sip_account(cls.manager, cls.provider.name, "201")
		cls.number = unique_mobile()
		customer = make_customer()
		frappe.db.set_value("Customer", customer.name, "account_manager", cls.manager)
		make_contact([cls.number], customer=customer.name)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def ask(self, number=None, method="get", token=None, header=True, provider=None, **query):
		token = self.secret if token is None else token
		query = {"provider": provider or self.provider.name, **query}
		if number is not None and method == "get":
			query["number"] = number
		headers = {}
		if header and token:
			headers[TOKEN_HEADER] = token
		elif token:
			query["token"] = token
		kwargs = {"query_string": query}
		if method == "post":
			kwargs["json"] = {"number": number}
		return request(method, ROUTE_PATH, headers=headers, **kwargs)

	def set_status(self, user, status):
		change_agent(user, lambda record: record.update({"chosen_status": status}), CHOSEN)
		frappe.db.commit()

	def assertNoPreference(self, number, reason, **kwargs):
		response = self.ask(number, **kwargs)
		self.assertEqual(response.status_code, 200)
		self.assertEqual(
			response.json,
			{"extension": None, "reason": reason, "timeout": DEFAULT_DIAL_TIMEOUT, "forward": None},
		)
		text = self.ask(number, format="text", **kwargs)
		self.assertEqual((text.status_code, text.get_data(as_text=True)), (200, ""))


class TestRouting(RoutingCase):
	def test_the_account_managers_extension_in_json(self):
		response = self.ask(self.number)
		self.assertEqual(response.status_code, 200)
		self.assertEqual(
			response.json,
			{
				"extension": "201",
				"reason": "account_manager",
				"timeout": DEFAULT_DIAL_TIMEOUT,
				"forward": None,
			},
		)

	def test_plain_text_for_dialplans(self):
		response = self.ask(self.number, format="text")
		self.assertEqual(response.status_code, 200)
		self.assertEqual(response.mimetype, "text/plain")
		self.assertEqual(response.get_data(as_text=True), "201")

	def test_the_number_as_the_pbx_writes_it_and_by_post(self):
		national = "8" + self.number[2:]
		self.assertEqual(self.ask(national).json["extension"], "201")
		self.assertEqual(self.ask(self.number, method="post").json["extension"], "201")
		self.assertEqual(self.ask(self.number, header=False).json["extension"], "201")

	def test_the_agent_who_last_talked_with_an_unknown_number(self):
		number, agent = unique_mobile(), make_user()
		make_sip_account(agent, self.provider.name, "202")
		call_id, start = unique("talked"), site_now() - timedelta(hours=2)
		for kind, seconds, fields in (
			(EventType.RINGING, 0, {}),
			(EventType.ANSWERED, 5, {}),
			(EventType.ENDED, 65, {"end_status": CallStatus.COMPLETED}),
		):
			commit_event(
				call_event(
					self.provider.name,
					call_id,
					kind,
					seconds,
					caller=number,
					extension="202",
					start=start,
					**fields,
				)
			)
		self.assertEqual(self.ask(number).json["extension"], "202")
		self.assertEqual(self.ask(number).json["reason"], "last_talked")
		with telephony_settings(last_talker_window_hours=1):
			self.assertNoPreference(number, "no_responsible")

	def test_an_unavailable_manager_is_no_preference(self):
		self.set_status(self.manager, AWAY)
		try:
			self.assertNoPreference(self.number, "unavailable")
		finally:
			self.set_status(self.manager, AVAILABLE)
		self.assertEqual(self.ask(self.number).json["extension"], "201")

	def test_a_manager_without_a_line_on_this_provider_is_no_preference(self):
		other = make_provider()
		frappe.db.commit()
		self.assertNoPreference(
			self.number, "no_line", provider=other.name, token=other.get_password("webhook_secret")
		)

	def test_a_line_that_takes_no_incoming_calls_is_no_preference(self):
		number, agent = unique_mobile(), make_user()
		make_sip_account(agent, self.provider.name, "203", accept_incoming=0)
		customer = make_customer()
		frappe.db.set_value("Customer", customer.name, "account_manager", agent)
		make_contact([number], customer=customer.name)
		frappe.db.commit()
		self.assertNoPreference(number, "no_line")

	def test_an_unknown_number_is_no_preference(self):
		self.assertNoPreference(unique_mobile(), "no_responsible")
		self.assertNoPreference("anonymous", "no_responsible")
		self.assertNoPreference(None, "no_responsible")


class TestForwardOnNoAnswer(RoutingCase):
	"""The provider's Forward Number and Dial Timeout travel with every answer."""

	FORWARD = "+74951234567"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider.reload()
		cls.provider.update({"forward_number": "8 (495) 123-45-67", "dial_timeout": 25})
		cls.provider.save(ignore_permissions=True)
		frappe.db.commit()

	def test_the_forward_number_is_saved_in_e164(self):
		self.assertEqual(
			frappe.db.get_value("Telephony Provider Settings", self.provider.name, "forward_number"),
			self.FORWARD,
		)

	def test_a_new_provider_rings_for_the_default_timeout_and_forwards_nowhere(self):
		provider = make_provider()
		self.assertEqual((provider.dial_timeout, provider.forward_number), (DEFAULT_DIAL_TIMEOUT, None))

	def test_a_number_nobody_can_dial_is_refused(self):
		for number in ("123", "+7 495 12", "12345678901234567"):
			with (
				self.subTest(number=number),
				self.assertRaisesRegex(frappe.ValidationError, "not a phone number"),
			):
				make_provider(forward_number=number)

	def test_a_timeout_out_of_bounds_is_refused(self):
		for timeout in (0, 4, MAX_DIAL_TIMEOUT + 1):
			with (
				self.subTest(timeout=timeout),
				self.assertRaisesRegex(frappe.ValidationError, "between 5 and 300"),
			):
				make_provider(dial_timeout=timeout)

	def test_no_preference_names_the_forward_number(self):
		self.assertEqual(
			self.ask(unique_mobile()).json,
			{"extension": None, "reason": "no_responsible", "timeout": 25, "forward": self.FORWARD},
		)

	def test_an_extension_is_answered_without_the_forward_number(self):
		self.assertEqual(
			self.ask(self.number).json,
			{"extension": "201", "reason": "account_manager", "timeout": 25, "forward": None},
		)

	def test_plain_text_for_dialplans(self):
		for number, want, answer in (
			(self.number, None, "201"),
			(self.number, "timeout", "201,25"),
			(unique_mobile(), None, f"forward={self.FORWARD}"),
			(unique_mobile(), "timeout", f"forward={self.FORWARD},25"),
		):
			query = {"format": "text", **({"want": want} if want else {})}
			with self.subTest(want=want, answer=answer):
				response = self.ask(number, **query)
				self.assertEqual((response.status_code, response.get_data(as_text=True)), (200, answer))

	def test_when_the_app_fails_the_call_is_forwarded(self):
		with patch("telephony_crm.routing.route.responsible_for", side_effect=RuntimeError("index broke")):
			response = self.ask(self.number)
		self.assertEqual(
			response.json, {"extension": None, "reason": "error", "timeout": 25, "forward": self.FORWARD}
		)

	def test_no_preference_without_a_forward_number_is_empty_text_with_the_timeout(self):
		other = make_provider(dial_timeout=40)
		frappe.db.commit()
		response = self.ask(
			unique_mobile(),
			provider=other.name,
			token=other.get_password("webhook_secret"),
			format="text",
			want="timeout",
		)
		self.assertEqual(response.get_data(as_text=True), ",40")


class TestRoutingRefusals(RoutingCase):
	def footprint(self) -> tuple:
		return tuple(
			frappe.db.count(doctype)
			for doctype in ("Telephony Request Log", "Error Log", "Telephony Call Log", "ToDo", "Comment")
		)

	def assertRefused(self, status, message, **kwargs):
		before = self.footprint()
		response = self.ask(self.number, **kwargs)
		self.assertEqual(response.status_code, status)
		self.assertIn(message, response.json["error"])
		self.assertNotIn("extension", response.json)
		text = self.ask(self.number, format="text", **kwargs)
		self.assertEqual((text.status_code, text.get_data(as_text=True)), (status, ""))
		self.assertIn(message, text.headers[ERROR_HEADER])
		frappe.db.rollback()
		self.assertEqual(self.footprint(), before, "a refused request wrote something")

	def test_missing_secret(self):
		self.assertRefused(401, "Missing secret", token="")

	def test_wrong_secret(self):
		self.assertRefused(401, "Wrong secret", token="not-the-secret")
		self.assertRefused(401, "Wrong secret", token="not-the-secret", header=False)

	def test_the_control_secret_is_not_the_webhook_secret(self):
		self.assertRefused(401, "Wrong secret", token=self.provider.get_password("control_secret"))

	def test_unknown_provider(self):
		self.assertRefused(404, "Unknown or disabled", provider="No Such PBX")

	def test_switched_off(self):
		with telephony_settings(routing_enabled=0):
			self.assertRefused(403, "switched off")
