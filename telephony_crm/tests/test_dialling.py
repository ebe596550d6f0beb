"""Dialling rules: what a number becomes before a provider dials it, each rule allowed and refused with
the rule named, and nothing sent to the PBX for a refused number."""

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls import outbound
from telephony_crm.calls.dialling import DiallingRefused, plan_dialling
from telephony_crm.tests.client import api_headers, request
from telephony_crm.tests.factories import delete_calls, make_provider, make_sip_account, make_user
from telephony_crm.tests.stub_pbx import StubPBX

TEST_NUMBER = "/api/method/telephony_crm.api.dialling.test_number"


class TestDiallingRules(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider(
			dial_city_prefix="495",
			dial_local_length=7,
			dial_exit_prefix="810",
			dial_short_numbers="_1XX\n112",
			dial_forbidden_prefixes="+44, 00",
		)
		cls.agent = make_user()
		cls.line = make_sip_account(cls.agent, cls.provider.name, "201")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def line_with(self, **fields):
		return frappe._dict(
			{
				"provider": self.provider.name,
				"extension": "201",
				"allow_local": 1,
				"allow_national": 1,
				"allow_mobile": 1,
				"allow_international": 1,
				**fields,
			}
		)

	def plan(self, number: str, **fields):
		return plan_dialling(number, self.line_with(**fields))

	def test_each_kind_of_number(self):
		cases = {
			"123-45-67": ("+74951234567", "Local"),
			"+7 916 123-45-67": ("+79161234567", "Mobile"),
			"8 (812) 123-45-67": ("+78121234567", "National"),
			"+49 30 1234567": ("81049301234567", "International"),
			"112": ("112", "Short number"),
			"150": ("150", "Short number"),
		}
		for number, (dialled, direction) in cases.items():
			with self.subTest(number=number):
				plan = self.plan(number)
				self.assertEqual((plan.number, plan.direction), (dialled, direction))
				self.assertTrue(plan.steps)

	def test_the_steps_say_what_each_rule_did(self):
		steps = self.plan("1234567").steps
		self.assertIn("the city prefix 495 added", steps[0])
		steps = self.plan("+49 30 1234567").steps
		self.assertIn("the exit prefix 810 in place of +", steps[-1])

	def test_a_forbidden_prefix_is_refused_by_name(self):
		for number in ("+44 20 7946 0958", "0044 20 7946 0958"):
			with (
				self.subTest(number=number),
				self.assertRaisesRegex(DiallingRefused, "which the dialling rules of"),
			):
				self.plan(number)

	def test_a_line_may_not_call_where_it_is_not_allowed(self):
		with self.assertRaisesRegex(
			DiallingRefused, "international number, and line 201 may not call international"
		):
			self.plan("+49 30 1234567", allow_international=0)
		with self.assertRaisesRegex(DiallingRefused, "mobile"):
			self.plan("+79161234567", allow_mobile=0)
		self.assertEqual(self.plan("+79161234567", allow_international=0).direction, "Mobile")

	def test_a_lines_city_prefix_and_rewrite_rule(self):
		self.assertEqual(self.plan("1234567", dial_city_prefix="812").number, "+78121234567")
		plan = self.plan("+79161234567", outgoing_rewrite_pattern=r"^\+7", outgoing_rewrite_replacement="8")
		self.assertEqual(plan.number, "89161234567")
		self.assertIn("rewrite rule", plan.steps[-1])

	def test_a_bad_short_pattern_is_refused_on_save(self):
		with self.assertRaisesRegex(frappe.ValidationError, "is not a dialling pattern"):
			make_provider(dial_short_numbers="_1X(X")

	def test_a_refused_number_sends_nothing_to_the_pbx(self):
		frappe.db.set_value("SIP Account", self.line.name, "allow_international", 0)
		with StubPBX() as pbx:
			self.provider.db_set("control_url", pbx.url)
			frappe.db.commit()
			try:
				frappe.set_user(self.agent)
				with self.assertRaisesRegex(DiallingRefused, "may not call international"):
					outbound.place_call("+49 30 1234567")
			finally:
				frappe.set_user("Administrator")
				frappe.db.set_value("SIP Account", self.line.name, "allow_international", 1)
				self.provider.db_set("control_url", None)
				frappe.db.commit()
			self.assertEqual(pbx.commands, [])

	def test_test_a_number_shows_the_way_to_managers_only(self):
		manager = make_user(roles=("System Manager",), prefix="manager")
		headers = {user: api_headers(user) for user in (manager, self.agent)}
		frappe.db.commit()
		body = {"provider": self.provider.name, "number": "1234567", "line": self.line.name}
		answer = request("post", TEST_NUMBER, headers[manager], json=body)
		self.assertEqual(answer.status_code, 200, answer.get_data(as_text=True))
		self.assertEqual(answer.json["message"]["number"], "+74951234567")
		refused = request("post", TEST_NUMBER, headers[manager], json={**body, "number": "+44 20 7946 0958"})
		self.assertIn("forbid", refused.json["message"]["refused"])
		self.assertEqual(request("post", TEST_NUMBER, headers[self.agent], json=body).status_code, 403)
