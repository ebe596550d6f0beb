"""Browser lines: the provider's Browser Calls settings; the SIP password given to the line's owner
alone, by POST, never in boot data, logs or what others read of the line; and the calls the line dials
itself (click-to-call): the number through the dialling rules, the call linked to its document."""

import json
from unittest.mock import patch

import frappe
import redis
from frappe.tests.utils import FrappeTestCase

from telephony_crm.boot import boot_session
from telephony_crm.calls.dialling import DiallingRefused
from telephony_crm.calls.events import Direction, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.roles import SUPERVISOR_ROLE
from telephony_crm.softphone.placed_calls import prepare_call
from telephony_crm.tests.client import api_headers, request
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_customer,
	make_provider,
	make_sip_account,
	make_user,
	unique,
)

CREDENTIALS = "/api/method/telephony_crm.api.softphone.line_credentials"
PREPARE_CALL = "/api/method/telephony_crm.api.softphone.prepare_call"


class TestBrowserCallSettings(FrappeTestCase):
	def test_wss_and_loopback_ws_are_accepted(self):
		for url in ("wss://pbx.example.com:8089/ws", "ws://127.0.0.1:8088/ws", "ws://localhost:8088/ws"):
			provider = make_provider(browser_websocket_url=url)
			self.assertEqual(provider.browser_websocket_url, url)

	def test_plain_ws_to_another_host_is_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "not encrypted"):
			make_provider(browser_websocket_url="ws://pbx.example.com:8088/ws")

	def test_what_is_no_websocket_url_is_refused(self):
		for url in ("https://pbx.example.com/ws", "pbx.example.com:8089", "wss:// pbx.example.com/ws"):
			with self.assertRaisesRegex(frappe.ValidationError, "is not a WebSocket URL"):
				make_provider(browser_websocket_url=url)

	def test_ice_servers_must_read(self):
		with self.assertRaisesRegex(frappe.ValidationError, "is not a STUN server"):
			make_provider(browser_stun_servers="stun.example.com:3478")
		with self.assertRaisesRegex(frappe.ValidationError, "is not a TURN server"):
			make_provider(
				browser_turn_servers="stun:turn.example.com",
				browser_turn_username="u",
				browser_turn_credential="c",
			)

	def test_turn_servers_need_their_credential(self):
		with self.assertRaisesRegex(frappe.ValidationError, "need the TURN username and credential"):
			make_provider(browser_turn_servers="turns:turn.example.com:5349", browser_turn_username="u")


class TestLineCredentials(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider(
			browser_websocket_url="wss://pbx.example.com:8089/ws",
			browser_stun_servers="stun:stun.example.com:3478",
			browser_turn_servers="turns:turn.example.com:5349",
			browser_turn_username="desk",
			browser_turn_credential="turn-secret",
		)
		cls.password = unique("sip-secret")
		cls.agent = make_user()
		cls.line = make_sip_account(
			cls.agent, cls.provider.name, "201", browser_calls=1, sip_password=cls.password
		)
		cls.colleague = make_user()
		cls.colleague_line = make_sip_account(cls.colleague, cls.provider.name, "202", sip_password="other")
		cls.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		cls.headers = {user: api_headers(user) for user in (cls.agent, cls.colleague, cls.supervisor)}
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for line in (cls.line, cls.colleague_line):
			frappe.delete_doc("SIP Account", line.name, ignore_permissions=True, force=True)
		frappe.delete_doc(
			"Telephony Provider Settings", cls.provider.name, ignore_permissions=True, force=True
		)
		frappe.db.commit()
		super().tearDownClass()

	def post(self, user: str, **body):
		return request("post", CREDENTIALS, self.headers[user], json=body)

	def test_the_owner_gets_the_line_by_post(self):
		answer = self.post(self.agent)
		self.assertEqual(answer.status_code, 200, answer.get_data(as_text=True))
		config = answer.json["message"]
		self.assertEqual(
			{
				key: config[key]
				for key in ("line", "websocket_url", "sip_uri", "authorization_user", "password")
			},
			{
				"line": self.line.name,
				"websocket_url": "wss://pbx.example.com:8089/ws",
				"sip_uri": "sip:201@pbx.example.com",
				"authorization_user": "201",
				"password": self.password,
			},
		)
		self.assertEqual(
			config["ice_servers"],
			[
				{"urls": "stun:stun.example.com:3478"},
				{"urls": ["turns:turn.example.com:5349"], "username": "desk", "credential": "turn-secret"},
			],
		)

	def test_the_line_login_and_domain_are_used_when_set(self):
		frappe.db.set_value(
			"SIP Account", self.line.name, {"sip_login": "7001*201", "sip_domain": "sip.example.com"}
		)
		frappe.db.commit()
		try:
			config = self.post(self.agent).json["message"]
		finally:
			frappe.db.set_value("SIP Account", self.line.name, {"sip_login": None, "sip_domain": None})
			frappe.db.commit()
		self.assertEqual(
			(config["sip_uri"], config["authorization_user"]), ("sip:7001*201@sip.example.com", "7001*201")
		)

	def test_get_is_refused(self):
		answer = request("get", CREDENTIALS, self.headers[self.agent])
		self.assertEqual(answer.status_code, 403)
		self.assertNotIn(self.password, answer.get_data(as_text=True))

	def test_nobody_else_gets_the_line(self):
		for user in (self.colleague, self.supervisor):
			answer = self.post(user, line=self.line.name)
			self.assertEqual(answer.status_code, 403, user)
			self.assertIn("is not yours", answer.get_data(as_text=True))
			self.assertNotIn(self.password, answer.get_data(as_text=True))

	def test_a_line_without_browser_calls_is_refused(self):
		answer = self.post(self.colleague, line=self.colleague_line.name)
		self.assertEqual(answer.status_code, 403)
		self.assertIn("does not take calls in the browser", answer.get_data(as_text=True))
		self.assertEqual(self.post(self.colleague).status_code, 404)

	def test_a_disabled_line_is_refused(self):
		frappe.db.set_value("SIP Account", self.line.name, "enabled", 0)
		frappe.db.commit()
		try:
			named, own = self.post(self.agent, line=self.line.name), self.post(self.agent)
		finally:
			frappe.db.set_value("SIP Account", self.line.name, "enabled", 1)
			frappe.db.commit()
		self.assertEqual(named.status_code, 403)
		self.assertIn("is disabled", named.get_data(as_text=True))
		self.assertEqual(own.status_code, 404)
		self.assertIn("no enabled line with Calls in the Browser", own.get_data(as_text=True))

	def test_a_user_without_a_line_gets_404(self):
		answer = self.post(self.supervisor)
		self.assertEqual(answer.status_code, 404)
		self.assertNotIn(self.password, answer.get_data(as_text=True))

	def test_a_supervisor_reading_the_line_sees_no_password(self):
		resource = f"/api/resource/SIP Account/{self.line.name}"
		answer = request("get", resource, self.headers[self.supervisor])
		self.assertEqual(answer.status_code, 200, answer.get_data(as_text=True))
		self.assertNotIn(self.password, answer.get_data(as_text=True))
		self.assertNotEqual(answer.json["data"].get("sip_password"), self.password)
		# Frappe's own way to read a password field is for System Managers only.
		revealed = request(
			"post",
			"/api/method/frappe.client.get_password",
			self.headers[self.supervisor],
			json={"doctype": "SIP Account", "name": self.line.name, "fieldname": "sip_password"},
		)
		self.assertEqual(revealed.status_code, 403)
		self.assertNotIn(self.password, revealed.get_data(as_text=True))

	def test_boot_says_whether_to_load_the_softphone_and_holds_no_secret(self):
		frappe.set_user(self.agent)
		try:
			bootinfo = frappe._dict()
			boot_session(bootinfo)
		finally:
			frappe.set_user("Administrator")
		self.assertTrue(bootinfo.telephony["browser_line"])
		self.assertNotIn(self.password, json.dumps(bootinfo, default=str))
		self.assertNotIn("turn-secret", json.dumps(bootinfo, default=str))

	def test_the_password_is_in_no_log(self):
		self.post(self.agent)
		for doctype in ("Error Log", "Telephony Request Log"):
			logs = frappe.get_all(doctype, fields=["*"], order_by="creation desc", limit=50)
			self.assertNotIn(self.password, json.dumps(logs, default=str), doctype)


class TestBrowserLineCalls(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider(browser_websocket_url="wss://pbx.example.com:8089/ws").name
		cls.agent = make_user()
		cls.line = make_sip_account(
			cls.agent,
			cls.provider,
			"201",
			browser_calls=1,
			allow_international=0,
			outgoing_rewrite_pattern=r"^\+7",
			outgoing_rewrite_replacement="8",
		)
		cls.customer = make_customer().name
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)
		frappe.delete_doc("SIP Account", cls.line.name, ignore_permissions=True, force=True)
		frappe.delete_doc("Customer", cls.customer, ignore_permissions=True, force=True)
		frappe.delete_doc("Telephony Provider Settings", cls.provider, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def prepare(self, number: str, reference=None) -> dict:
		frappe.set_user(self.agent)
		try:
			return prepare_call(number, reference, self.agent)
		finally:
			frappe.set_user("Administrator")

	def reported(self, called: str):
		"""The PBX's report of a call the line placed (under the PBX's own id), as the engine records it."""
		result = commit_event(
			call_event(
				self.provider,
				unique("pbx-id"),
				EventType.RINGING,
				direction=Direction.OUTBOUND,
				caller="201",
				called=called,
				extension="201",
			)
		)
		return frappe.get_doc("Telephony Call Log", result.name)

	def test_the_number_goes_through_the_dialling_rules_and_the_line_rewrite(self):
		self.assertEqual(self.prepare("+7 916 123-45-67")["number"], "89161234567")

	def test_a_number_the_rules_refuse_is_not_given(self):
		with self.assertRaisesRegex(DiallingRefused, "may not call international"):
			self.prepare("+49 30 1234567")

	def test_a_user_without_a_browser_line_gets_none(self):
		with self.assertRaises(frappe.DoesNotExistError):
			prepare_call("+79161234567", None, make_user())

	def test_the_call_the_pbx_reports_is_linked_to_its_document_once(self):
		dialled = self.prepare("+7 916 765-43-21", ("Customer", self.customer))["number"]
		call = self.reported(dialled)
		self.assertEqual(
			[
				(row.link_doctype, row.link_name, row.origin)
				for row in call.links
				if row.origin == "Placed From"
			],
			[("Customer", self.customer, "Placed From")],
		)
		again = self.reported(dialled)
		self.assertFalse([row for row in again.links if row.origin == "Placed From"])

	def test_a_call_to_another_number_is_not_linked(self):
		self.prepare("+7 916 111-22-33", ("Customer", self.customer))
		call = self.reported("89169998877")
		self.assertFalse([row for row in call.links if row.origin == "Placed From"])

	def test_the_endpoint_takes_posts_and_documents_the_user_may_read(self):
		headers = api_headers(self.agent)
		frappe.db.commit()
		answer = request("post", PREPARE_CALL, headers, json={"number": "+79161234567"})
		self.assertEqual(answer.status_code, 200, answer.get_data(as_text=True))
		self.assertEqual(answer.json["message"]["number"], "89161234567")
		self.assertEqual(
			request("get", PREPARE_CALL, headers, query_string={"number": "+79161234567"}).status_code, 403
		)
		# An agent (no Sales role) may not read Customers: no call is tied to one.
		refused = request(
			"post",
			PREPARE_CALL,
			headers,
			json={"number": "+79161234567", "reference_doctype": "Customer", "reference_name": self.customer},
		)
		self.assertEqual(refused.status_code, 403)

	def test_without_redis_the_call_is_recorded_unlinked(self):
		get_value = frappe.cache.get_value

		def redis_down_for_pending_links(key, *args, **kwargs):
			if key.startswith("telephony_crm:browser_call:"):
				raise redis.exceptions.ConnectionError("Redis is down")
			return get_value(key, *args, **kwargs)

		with patch.object(frappe.cache, "get_value", side_effect=redis_down_for_pending_links):
			call = self.reported("89165554433")
		self.assertEqual(call.status, "Ringing")
		self.assertFalse([row for row in call.links if row.origin == "Placed From"])
