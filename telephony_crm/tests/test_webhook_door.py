"""The webhook door and the desk's commands under attack, through Frappe's real request path: who may
knock, how often, with which HTTP verb, and what a failure looks like from outside."""

import json
import re
import socket
from unittest.mock import Mock, patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import get_decrypted_password

from telephony_crm.api import calls as api
from telephony_crm.calls.engine import process_event
from telephony_crm.calls.events import EventType
from telephony_crm.calls.times import site_now
from telephony_crm.providers.generic_webhook.control import SIGNATURE_HEADER, sign
from telephony_crm.tests.client import post_webhook, request
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_provider,
	make_sip_account,
	make_user,
	telephony_settings,
	unique,
	unique_mobile,
	webhook_payload,
)
from telephony_crm.tests.stub_pbx import StubPBX
from telephony_crm.tests.test_permissions import api_headers

CALL = "Telephony Call Log"
PROVIDER = "Telephony Provider Settings"
REQUEST_LOG = "Telephony Request Log"
DESK_API = "/api/method/telephony_crm.api.calls."


class DoorCase(FrappeTestCase):
	"""A provider of the class's own, with an agent on extension 101; all of it removed afterwards."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider()
		cls.agent = make_user()
		make_sip_account(cls.agent, cls.provider.name, "101")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()  # a fresh read view: calls the requests committed after the last one
		name = cls.provider.name
		delete_calls(name)
		frappe.db.delete(REQUEST_LOG, {"provider": name})
		frappe.db.delete("Error Log", {"method": ("like", f"%{name}%")})
		frappe.db.delete("SIP Account", {"provider": name})
		frappe.delete_doc(PROVIDER, name, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def secret(self, field: str = "webhook_secret") -> str:
		return get_decrypted_password(PROVIDER, self.provider.name, field)

	def post(self, payload, **kwargs):
		kwargs.setdefault("token", self.secret())
		return post_webhook(self.provider.name, payload, **kwargs)

	def calls_with(self, payloads) -> int:
		frappe.db.rollback()  # see what the requests committed
		call_ids = [p["call_id"] for p in payloads]
		return frappe.db.count(CALL, {"provider": self.provider.name, "call_id": ("in", call_ids)})

	def assertStatuses(self, responses, expected):
		self.assertEqual(
			[r.status_code for r in responses], expected, [r.get_data(as_text=True) for r in responses]
		)

	def set_provider(self, **values):
		frappe.db.set_value(PROVIDER, self.provider.name, values)
		frappe.db.commit()

	def ring(self) -> str:
		"""A committed inbound call ringing the agent now."""
		event = call_event(
			self.provider.name, unique("door"), EventType.RINGING, caller=unique_mobile(), start=site_now()
		)
		name = process_event(event).name
		frappe.db.commit()
		return name


class TestAuthenticationComesFirst(DoorCase):
	def request_logs(self, count: int) -> list:
		return frappe.get_all(
			REQUEST_LOG,
			{"provider": self.provider.name},
			["status_code", "request_body"],
			order_by="creation desc",
			limit=count,
		)[::-1]

	def test_a_request_without_the_secret_is_logged_without_its_body_and_writes_no_call(self):
		refused = [webhook_payload(), webhook_payload()]
		accepted = webhook_payload()
		with telephony_settings(log_requests=1):
			responses = [
				self.post(refused[0], token=None),
				self.post(refused[1], token="not-the-secret"),
				# Not a JSON object: a 422 had the body been read before the secret was checked.
				self.post(["not", "an", "object"], token="not-the-secret"),
				self.post(accepted),
			]
		self.assertStatuses(responses, [401, 401, 401, 200])
		logs = self.request_logs(4)
		self.assertEqual([log.status_code for log in logs], [401, 401, 401, 200])
		self.assertEqual([bool(log.request_body) for log in logs], [False, False, False, True])
		self.assertIn(accepted["call_id"], logs[3].request_body)
		self.assertEqual(self.calls_with(refused), 0)
		self.assertEqual(self.calls_with([accepted]), 1)


def clear_rate_counters():
	frappe.cache.delete_keys("telephony_crm:webhook-rate:")


class TestRateLimit(DoorCase):
	# 20 s into its minute: every request of a test falls in one window, and a refusal says "40 s".
	FROZEN_TIME = 1_800_000_020

	def setUp(self):
		clear_rate_counters()
		self.addCleanup(clear_rate_counters)
		clock = patch("telephony_crm.webhook_rate.time", Mock(time=lambda: self.FROZEN_TIME))
		clock.start()
		self.addCleanup(clock.stop)

	def send(self, count: int, peer: str = "127.0.0.1", forwarded_for=lambda i: None, **kwargs) -> list:
		"""`count` webhooks from the client at `peer`, through a proxy naming `forwarded_for(i)`."""
		return [
			self.post(
				webhook_payload(),
				headers={"X-Forwarded-For": forwarded_for(i)} if forwarded_for(i) else {},
				environ_base={"REMOTE_ADDR": peer},
				**kwargs,
			)
			for i in range(count)
		]

	def test_an_address_over_the_limit_gets_429_with_retry_after_and_writes_nothing(self):
		payloads = [webhook_payload() for _ in range(5)]
		with telephony_settings(webhook_rate_limit=3):
			responses = [self.post(payload) for payload in payloads]
		self.assertStatuses(responses, [200, 200, 200, 429, 429])
		for response in responses[3:]:
			self.assertRegex(response.get_json()["error"], r"^Too many requests from .+: at most 3 a minute")
			self.assertEqual(response.headers["Retry-After"], "40")
		self.assertEqual(self.calls_with(payloads[3:]), 0)
		self.assertEqual(self.calls_with(payloads[:3]), 3)

	def test_a_refused_request_counts_too(self):
		with telephony_settings(webhook_rate_limit=3):
			responses = self.send(3, token="guess") + self.send(1)
		self.assertStatuses(responses, [401, 401, 401, 429])

	def test_zero_turns_the_limit_off(self):
		with telephony_settings(webhook_rate_limit=0):
			self.assertStatuses(self.send(5), [200] * 5)

	def test_each_address_behind_the_proxy_has_its_own_budget(self):
		# The site's nginx (a loopback peer) names the client in X-Forwarded-For.
		with telephony_settings(webhook_rate_limit=3):
			flood = self.send(4, forwarded_for=lambda i: "198.51.100.1")
			other = self.send(1, forwarded_for=lambda i: "198.51.100.2")
		self.assertStatuses(flood + other, [200, 200, 200, 429, 200])

	def test_a_forged_forwarded_for_header_does_not_escape_the_limit(self):
		# A client that reaches the app directly names any address it likes in X-Forwarded-For; only a
		# proxy in front of the app may say where a request comes from.
		with telephony_settings(webhook_rate_limit=3):
			responses = self.send(5, peer="203.0.113.7", forwarded_for=lambda i: f"198.51.100.{i}")
		self.assertStatuses(responses, [200, 200, 200, 429, 429])

	def test_clients_reaching_the_app_directly_have_their_own_budgets(self):
		with telephony_settings(webhook_rate_limit=3):
			flood = self.send(4, peer="203.0.113.7")
			other = self.send(1, peer="203.0.113.8")
		self.assertStatuses(flood + other, [200, 200, 200, 429, 200])


class TestCommandSecrets(DoorCase):
	def setUp(self):
		self.pbx = StubPBX().__enter__()
		self.addCleanup(self.pbx.__exit__)
		self.set_provider(control_url=self.pbx.url)
		self.addCleanup(delete_calls, self.provider.name)

	def command_signature(self) -> tuple[str, bytes]:
		"""Place a call as the agent; the signature and body of the command the PBX got."""
		frappe.set_user(self.agent)
		api.place_call(unique_mobile())
		frappe.set_user("Administrator")
		command = self.pbx.commands[-1]
		return command["headers"][SIGNATURE_HEADER], command["raw"]

	def settings_doc(self):
		return frappe.get_doc(PROVIDER, self.provider.name)

	def test_commands_are_signed_with_the_control_secret_not_the_webhook_secret(self):
		signature, body = self.command_signature()
		self.assertNotEqual(self.secret("control_secret"), self.secret())
		self.assertEqual(signature, sign(body, self.secret("control_secret")))
		self.assertNotEqual(signature, sign(body, self.secret()))

	def test_rotating_the_control_secret_leaves_the_webhook_secret(self):
		old_control, webhook = self.secret("control_secret"), self.secret()
		returned = self.settings_doc().rotate_control_secret()
		frappe.db.commit()
		self.assertEqual(returned, self.secret("control_secret"))
		self.assertNotEqual(returned, old_control)
		self.assertEqual(self.secret(), webhook)
		signature, body = self.command_signature()
		self.assertEqual(signature, sign(body, returned))
		self.assertEqual(self.post(webhook_payload(), token=webhook).status_code, 200)

	def test_rotating_the_webhook_secret_leaves_the_control_secret(self):
		old_webhook, control = self.secret(), self.secret("control_secret")
		url = self.settings_doc().rotate_webhook_secret()
		frappe.db.commit()
		new_webhook = self.secret()
		self.assertNotEqual(new_webhook, old_webhook)
		self.assertTrue(url.endswith(f"&token={new_webhook}"))
		self.assertEqual(self.secret("control_secret"), control)
		signature, body = self.command_signature()
		self.assertEqual(signature, sign(body, control))
		self.assertEqual(self.post(webhook_payload(), token=old_webhook).status_code, 401)
		self.assertEqual(self.post(webhook_payload(), token=new_webhook).status_code, 200)


class TestStateChangesArePostOnly(DoorCase):
	"""A GET can be made by a link or an <img> on any page a logged-in user opens: it may change nothing."""

	SECRET_METHODS = (
		"rotate_webhook_secret",
		"rotate_control_secret",
		"get_webhook_url_with_secret",
		"get_control_secret",
	)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.manager = api_headers(make_user(roles=("System Manager",), prefix="manager"))
		# The call's own agent, with a line: by POST, every call action would go through.
		cls.agent_headers = api_headers(cls.agent)
		frappe.db.commit()

	def doc_method(self, http_method: str, method: str):
		return request(
			http_method,
			"/api/method/run_doc_method",
			self.manager,
			query_string={"dt": PROVIDER, "dn": self.provider.name, "method": method},
		)

	def assertRefusedAsGet(self, response):
		self.assertIn(response.status_code, (403, 405), response.get_data(as_text=True))
		self.assertIn("Not permitted", json.loads(response.get_json()["_server_messages"])[0])

	def test_the_secret_methods_refuse_get(self):
		secrets = (self.secret(), self.secret("control_secret"))
		for method in self.SECRET_METHODS:
			with self.subTest(method=method):
				response = self.doc_method("get", method)
				self.assertRefusedAsGet(response)
				for secret in secrets:
					self.assertNotIn(secret, response.get_data(as_text=True))
		self.assertEqual((self.secret(), self.secret("control_secret")), secrets)

	def test_the_same_user_gets_the_secret_by_post(self):
		# So the refusals above are the HTTP verb's, not a lack of rights.
		response = self.doc_method("post", "get_control_secret")
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.assertEqual(response.get_json()["message"], self.secret("control_secret"))

	def test_the_call_actions_refuse_get(self):
		call = self.ring()
		calls_before = frappe.db.count(CALL, {"provider": self.provider.name})
		actions = {
			"add_note": {"call": call, "note": "by GET"},
			"reject_call": {"call": call},
			"place_call": {"number": unique_mobile()},
			# Refused before the lead is looked for: it need not exist.
			"link_number_to_record": {"call": call, "doctype": "Lead", "name": "CRM-LEAD-none"},
		}
		for method, args in actions.items():
			with self.subTest(method=method):
				self.assertRefusedAsGet(
					request("get", DESK_API + method, self.agent_headers, query_string=args)
				)
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value(CALL, call, ["status", "notes", "lead"]), ("Ringing", None, None)
		)
		self.assertEqual(frappe.db.count(CALL, {"provider": self.provider.name}), calls_before)


def unused_port() -> int:
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		return probe.getsockname()[1]


class TestProviderFailuresReachTheDeskAsSentences(DoorCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.headers = api_headers(cls.agent)
		frappe.db.commit()

	def setUp(self):
		self.addCleanup(self.set_provider, enabled=1, control_url=None)

	def desk(self, method: str, **args):
		return request("post", DESK_API + method, self.headers, data=args)

	def assertFailedCall(self, response, message: str):
		"""The answer names what went wrong in a sentence, and the call placed is recorded as Failed."""
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.assertNotIn("Traceback", response.get_data(as_text=True))
		result = response.get_json()["message"]
		self.assertEqual(result["status"], "Failed")
		self.assertIn(message, result["error"])
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value(CALL, result["call"], "status"), "Failed")

	def test_a_control_url_that_does_not_answer(self):
		self.set_provider(control_url=f"http://127.0.0.1:{unused_port()}/control")
		response = self.desk("place_call", number=unique_mobile())
		self.assertFailedCall(response, f"{self.provider.name} could not be reached: ConnectionError")

	def test_a_pbx_that_answers_500(self):
		with StubPBX(status=500) as pbx:
			self.set_provider(control_url=pbx.url)
			response = self.desk("place_call", number=unique_mobile())
		self.assertFailedCall(response, f"{self.provider.name} answered HTTP 500")

	def assertRefusedWithASentence(self, response, sentence: str):
		self.assertEqual(response.status_code, 417, response.get_data(as_text=True))
		body = response.get_json()
		self.assertEqual(body["exc_type"], "ProviderCommandError")
		# The desk shows the server's messages, and only logs `exc` (Frappe's traceback, sent when System
		# Settings allow it) to the browser's console: the sentence must be among the messages.
		messages = [json.loads(m)["message"] for m in json.loads(body.get("_server_messages") or "[]")]
		self.assertEqual(len(messages), 1, f"no message for the user; the answer: {body}")
		self.assertIn(sentence, messages[0])
		self.assertNotIn("Traceback", messages[0])

	def test_rejecting_a_call_whose_provider_was_disabled_meanwhile(self):
		call = self.ring()
		self.set_provider(enabled=0)
		response = self.desk("reject_call", call=call)
		self.assertRefusedWithASentence(response, "Unknown or disabled telephony provider")
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value(CALL, call, "status"), "Ringing")

	def test_rejecting_at_a_pbx_that_answers_500(self):
		call = self.ring()
		with StubPBX(status=500) as pbx:
			self.set_provider(control_url=pbx.url)
			response = self.desk("reject_call", call=call)
		self.assertRefusedWithASentence(response, f"{self.provider.name} answered HTTP 500")
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value(CALL, call, "status"), "Ringing")


class TestEngineErrorsAreNot5xx(DoorCase):
	def test_a_validation_error_is_a_422_with_its_message_without_markup(self):
		payload = webhook_payload()
		with patch(
			"telephony_crm.webhooks.commit_event", side_effect=frappe.ValidationError("Not <b>now</b>")
		):
			response = self.post(payload)
		self.assertEqual(response.status_code, 422)
		self.assertEqual(response.get_json(), {"error": "Not now"})
		self.assertEqual(self.calls_with([payload]), 0)

	def test_an_unexpected_error_is_a_422_naming_the_error_log_and_the_request_is_kept(self):
		payload = webhook_payload()
		with (
			telephony_settings(log_requests=0),
			patch("telephony_crm.webhooks.commit_event", side_effect=RuntimeError("engine broke")),
		):
			response = self.post(payload)
		self.assertEqual(response.status_code, 422, response.get_data(as_text=True))
		error = response.get_json()["error"]
		self.assertIn("RuntimeError", error)
		error_log = re.search(r"Error Log (\w+)", error).group(1)
		self.addCleanup(frappe.db.delete, "Error Log", {"name": error_log})
		frappe.db.rollback()
		logged = frappe.db.get_value("Error Log", error_log, "error")
		self.assertIn("engine broke", logged)
		self.assertIn(payload["call_id"], logged)  # the body, to replay the event once fixed
		kept = frappe.get_all(
			REQUEST_LOG,
			{"provider": self.provider.name, "status_code": 422},
			["request_body", "error"],
			order_by="creation desc",
			limit=1,
		)
		self.assertIn(payload["call_id"], kept[0].request_body)
		self.assertEqual(kept[0].error, error)
		self.assertEqual(self.calls_with([payload]), 0)
