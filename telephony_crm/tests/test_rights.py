"""Telephony rights at four levels (none, own calls, the department's, all) for seeing calls, hearing,
downloading and deleting recordings and deleting calls, and whom a user may call; through the same
APIs the desk and REST clients use."""

from unittest.mock import patch

import frappe
from frappe.desk.reportview import get as reportview_get
from frappe.permissions import add_permission, update_permission_property
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.outbound import place_call
from telephony_crm.realtime import call_recipients
from telephony_crm.recordings.state import ON_SITE, REMOVED
from telephony_crm.rights.departments import department_users
from telephony_crm.rights.outbound import OutboundRefused
from telephony_crm.roles import AGENT_ROLE, DEPARTMENT_HEAD_ROLE, SUPERVISOR_ROLE
from telephony_crm.tests.client import api_headers, request
from telephony_crm.tests.factories import (
	delete_calls,
	give_site_copy,
	make_contact,
	make_customer,
	make_provider,
	make_sip_account,
	make_user,
	recorded_call,
	role_rights,
	unique,
	unique_mobile,
)

CALL = "Telephony Call Log"
STREAM = "/api/method/telephony_crm.api.recordings.stream"
DELETE_RECORDING = "/api/method/telephony_crm.api.recordings.delete"
AUDIO = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8
# A role of the tests' own, whose rights each test sets.
TEST_ROLE = "Telephony Rights Test Role"


def company() -> str:
	return (
		frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name", limit=1)[0]
	)


def make_department(name: str, parent: str = "All Departments") -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Department",
				"department_name": unique(name),
				"parent_department": parent,
				"company": company(),
				"is_group": 1,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_employee(user: str, department: str) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Employee",
				"first_name": user.split("@", 1)[0],
				"gender": "Female",
				"date_of_birth": "1990-01-01",
				"date_of_joining": "2020-01-01",
				"company": company(),
				"department": department,
				"user_id": user,
				"status": "Active",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class RightsCase(FrappeTestCase):
	"""A sales department with an East office under it, and a support department beside it; a call of
	each member, with a recording on the site."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not frappe.db.exists("Role", TEST_ROLE):
			frappe.get_doc({"doctype": "Role", "role_name": TEST_ROLE, "desk_access": 1}).insert()
		cls.provider = make_provider().name
		sales = make_department("Sales")
		east = make_department("Sales East", parent=sales)
		support = make_department("Support")
		cls.head = make_user(roles=(AGENT_ROLE, DEPARTMENT_HEAD_ROLE), prefix="head")
		cls.seller = make_user(prefix="seller")
		cls.east_seller = make_user(prefix="east")
		cls.support = make_user(prefix="support")
		cls.tester = make_user(roles=(TEST_ROLE,), prefix="tester")
		members = ((cls.head, sales), (cls.seller, sales), (cls.east_seller, east), (cls.support, support))
		cls.calls = {}
		for number, (user, department) in enumerate(members, start=301):
			make_employee(user, department)
			make_sip_account(user, cls.provider, str(number))
			cls.calls[user] = recorded_call(cls.provider, None, str(number), unique("rights"))
			give_site_copy(cls.calls[user], AUDIO + user.encode())
		make_employee(cls.tester, sales)
		make_sip_account(cls.tester, cls.provider, "309")
		cls.calls[cls.tester] = recorded_call(cls.provider, None, "309", unique("rights"))
		give_site_copy(cls.calls[cls.tester], AUDIO + cls.tester.encode())
		users = (cls.head, cls.seller, cls.east_seller, cls.support, cls.tester)
		cls.headers = {user: api_headers(user) for user in users}
		# The test role reads calls; its rights decide which.
		add_permission(CALL, TEST_ROLE)
		update_permission_property(CALL, TEST_ROLE, 0, "report", 1)
		update_permission_property(CALL, TEST_ROLE, 0, "export", 1)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)
		frappe.db.delete("Custom DocPerm", {"parent": CALL})
		frappe.clear_cache(doctype=CALL)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def visible(self, user: str) -> set[str]:
		frappe.set_user(user)
		frappe.local.request_cache.clear()
		try:
			return set(frappe.get_list(CALL, {"provider": self.provider}, pluck="name", limit=0))
		finally:
			frappe.set_user("Administrator")

	def calls_of(self, *users: str) -> set[str]:
		return {self.calls[user] for user in users}

	def stream(self, call: str, user: str, download: bool = False):
		query = {"call": call, **({"download": 1} if download else {})}
		return request("get", STREAM, self.headers[user], query_string=query)


class TestDepartmentScope(RightsCase):
	def test_the_department_is_the_users_and_every_one_under_it(self):
		self.assertEqual(
			set(department_users(self.head)), {self.head, self.seller, self.east_seller, self.tester}
		)
		self.assertEqual(set(department_users(self.support)), {self.support})

	def test_a_department_head_lists_their_departments_calls(self):
		department = self.calls_of(self.head, self.seller, self.east_seller, self.tester)
		self.assertEqual(self.visible(self.head), department)
		self.assertEqual(self.visible(self.seller), self.calls_of(self.seller))

	def test_a_large_departments_calls_are_found_the_same_way(self):
		# However few the calls, the query for a large department's (read in order, each call checked).
		with (
			patch("telephony_crm.permissions.MIN_MANY_CALLS", 0),
			patch("telephony_crm.permissions.MANY_CALLS_SHARE", 0),
		):
			self.assertEqual(
				self.visible(self.head), self.calls_of(self.head, self.seller, self.east_seller, self.tester)
			)
			self.assertEqual(self.visible(self.seller), self.calls_of(self.seller))

	def test_the_same_scope_holds_for_rest_report_and_form(self):
		headers = self.headers[self.head]
		response = request(
			"get",
			f"/api/resource/{CALL}",
			headers,
			query_string={"filters": f'[["provider", "=", "{self.provider}"]]', "limit_page_length": 0},
		)
		self.assertEqual(
			{row["name"] for row in response.json["data"]},
			self.calls_of(self.head, self.seller, self.east_seller, self.tester),
		)
		self.assertEqual(
			request("get", f"/api/resource/{CALL}/{self.calls[self.east_seller]}", headers).status_code, 200
		)
		self.assertEqual(
			request("get", f"/api/resource/{CALL}/{self.calls[self.support]}", headers).status_code, 403
		)
		frappe.set_user(self.head)
		frappe.local.form_dict = frappe._dict(
			doctype=CALL, fields=["name"], filters=[[CALL, "provider", "=", self.provider]], page_length=500
		)
		report = reportview_get()
		self.assertNotIn(self.calls[self.support], {row[0] for row in report["values"]})

	def test_a_department_head_hears_the_departments_recordings_only(self):
		self.assertEqual(self.stream(self.calls[self.east_seller], self.head).status_code, 200)
		self.assertEqual(self.stream(self.calls[self.support], self.head).status_code, 403)
		self.assertEqual(self.stream(self.calls[self.seller], self.east_seller).status_code, 403)

	def test_a_supervisor_still_sees_everything(self):
		supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		self.assertEqual(self.visible(supervisor), set(self.calls.values()))


class TestEachLevel(RightsCase):
	"""The test role's tester (in the sales department) with each scope of each right."""

	def test_seeing_calls_at_each_level(self):
		expected = {
			"None": set(),
			"Own": self.calls_of(self.tester),
			"Department": self.calls_of(self.head, self.seller, self.east_seller, self.tester),
			"All": set(self.calls.values()),
		}
		for reach, calls in expected.items():
			with self.subTest(reach=reach), role_rights(**{TEST_ROLE: {"calls": reach}}):
				self.assertEqual(self.visible(self.tester) & set(self.calls.values()), calls)

	def test_listening_and_downloading_at_each_level(self):
		own, colleague, other = (self.calls[user] for user in (self.tester, self.east_seller, self.support))
		expected = {
			"None": (403, 403, 403),
			"Own": (200, 403, 403),
			"Department": (200, 200, 403),
			"All": (200, 200, 200),
		}
		for right in ("listen", "download"):
			for reach, statuses in expected.items():
				with (
					self.subTest(right=right, reach=reach),
					role_rights(**{TEST_ROLE: {"calls": "All", right: reach}}),
				):
					answers = tuple(
						self.stream(call, self.tester, download=right == "download").status_code
						for call in (own, colleague, other)
					)
					self.assertEqual(answers, statuses)

	def test_seeing_a_call_is_not_hearing_it(self):
		with role_rights(**{TEST_ROLE: {"calls": "All", "listen": "None"}}):
			call = self.calls[self.support]
			self.assertIn(call, self.visible(self.tester))
			refused = self.stream(call, self.tester)
			self.assertEqual(refused.status_code, 403)
			self.assertIn("may not listen", refused.get_data(as_text=True))

	def test_hearing_needs_seeing_the_call(self):
		with role_rights(**{TEST_ROLE: {"calls": "Own", "listen": "All"}}):
			self.assertEqual(self.stream(self.calls[self.support], self.tester).status_code, 403)

	def test_deleting_recordings_at_each_level(self):
		cases = {"None": (False, False), "Own": (True, False), "Department": (True, True)}
		for reach, (own_deleted, colleague_deleted) in cases.items():
			with (
				self.subTest(reach=reach),
				role_rights(**{TEST_ROLE: {"calls": "All", "delete_recordings": reach}}),
			):
				own = recorded_call(self.provider, None, "309", unique("del"))
				colleague = recorded_call(self.provider, None, "303", unique("del"))
				for call in (own, colleague):
					give_site_copy(call, AUDIO + call.encode())
				for call, deleted in ((own, own_deleted), (colleague, colleague_deleted)):
					response = request(
						"post", DELETE_RECORDING, self.headers[self.tester], json={"call": call}
					)
					self.assertEqual(
						response.status_code, 200 if deleted else 403, response.get_data(as_text=True)
					)
					frappe.db.rollback()
					status = frappe.db.get_value(CALL, call, "recording_status")
					self.assertEqual(status, REMOVED if deleted else ON_SITE)

	def test_a_deleted_recording_is_refused_again_with_a_message(self):
		with role_rights(**{TEST_ROLE: {"calls": "All", "delete_recordings": "All"}}):
			call = recorded_call(self.provider, None, "309", unique("del"))
			give_site_copy(call, AUDIO + call.encode())
			headers = self.headers[self.tester]
			self.assertEqual(request("post", DELETE_RECORDING, headers, json={"call": call}).status_code, 200)
			again = request("post", DELETE_RECORDING, headers, json={"call": call})
			self.assertEqual(again.status_code, 417, again.get_data(as_text=True))
			self.assertIn("has no recording", again.get_data(as_text=True))

	def test_deleting_calls_at_each_level(self):
		update_permission_property(CALL, TEST_ROLE, 0, "delete", 1)
		frappe.db.commit()
		try:
			cases = {"None": (403, 403), "Own": (202, 403), "Department": (202, 202), "All": (202, 202)}
			for reach, statuses in cases.items():
				with (
					self.subTest(reach=reach),
					role_rights(**{TEST_ROLE: {"calls": "All", "delete_calls": reach}}),
				):
					own = recorded_call(self.provider, None, "309", unique("del"))
					colleague = recorded_call(self.provider, None, "303", unique("del"))
					outsider = recorded_call(self.provider, None, "304", unique("del"))
					answers = tuple(
						request(
							"delete", f"/api/resource/{CALL}/{call}", self.headers[self.tester]
						).status_code
						for call in (own, colleague)
					)
					self.assertEqual(answers, statuses)
					expected_outsider = 202 if reach == "All" else 403
					response = request(
						"delete", f"/api/resource/{CALL}/{outsider}", self.headers[self.tester]
					)
					self.assertEqual(response.status_code, expected_outsider)
		finally:
			update_permission_property(CALL, TEST_ROLE, 0, "delete", 0)
			frappe.db.commit()

	def test_deleting_old_recordings_needs_the_right_over_all_of_them(self):
		supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		headers = api_headers(supervisor)
		frappe.db.commit()
		path = "/api/method/telephony_crm.api.recording_storage.delete_older_than"
		with role_rights(**{SUPERVISOR_ROLE: {"delete_recordings": "Department"}}):
			refused = request("post", path, headers, json={"before": "2000-01-01"})
		self.assertEqual(refused.status_code, 403)
		self.assertIn("right to delete all recordings", refused.get_data(as_text=True))

	def test_no_popup_for_a_role_that_sees_no_calls(self):
		call = frappe.get_doc(CALL, self.calls[self.tester])
		with role_rights(**{TEST_ROLE: {"calls": "None"}}):
			self.assertNotIn(self.tester, call_recipients(call))
		with role_rights(**{TEST_ROLE: {"calls": "Own"}}):
			self.assertIn(self.tester, call_recipients(call))


class TestOutboundScope(RightsCase):
	def place(self, number: str):
		frappe.set_user(self.tester)
		frappe.local.request_cache.clear()
		with patch("telephony_crm.calls.outbound.run_command", return_value=None):
			return place_call(number)

	def test_nobody(self):
		with role_rights(**{TEST_ROLE: {"outbound": "Nobody"}}):
			with self.assertRaisesRegex(OutboundRefused, "do not let you place calls"):
				self.place("+79160000001")

	def test_crm_contacts_only(self):
		number = unique_mobile()
		make_contact([number], make_customer().name)
		frappe.db.commit()
		with role_rights(**{TEST_ROLE: {"outbound": "CRM contacts"}}):
			with self.assertRaisesRegex(OutboundRefused, "customers, contacts and leads you can see"):
				self.place(number)
			frappe.set_user("Administrator")
			add_permission("Contact", TEST_ROLE)
			frappe.db.commit()
			try:
				self.assertEqual(self.place(number)["number"], number)
				with self.assertRaisesRegex(OutboundRefused, "is not the number of any of them"):
					self.place("302")
			finally:
				frappe.set_user("Administrator")
				frappe.db.delete("Custom DocPerm", {"parent": "Contact", "role": TEST_ROLE})
				frappe.clear_cache(doctype="Contact")
				frappe.db.commit()

	def test_crm_contacts_and_coworkers(self):
		mobile = unique_mobile()
		frappe.db.set_value("User", self.support, "mobile_no", mobile)
		frappe.db.commit()
		with role_rights(**{TEST_ROLE: {"outbound": "CRM contacts and coworkers"}}):
			self.assertEqual(self.place("302")["number"], "302")
			self.assertEqual(self.place(mobile)["number"], mobile)
			with self.assertRaisesRegex(OutboundRefused, "and coworkers; \\+79"):
				self.place("+79160000002")

	def test_any_number(self):
		with role_rights(**{TEST_ROLE: {"outbound": "Any number"}}):
			self.assertEqual(self.place("+79160000003")["number"], "+79160000003")

	def test_a_refusal_over_http_is_a_403_with_the_rule(self):
		with role_rights(**{TEST_ROLE: {"outbound": "Nobody"}}):
			response = request(
				"post",
				"/api/method/telephony_crm.api.calls.place_call",
				self.headers[self.tester],
				json={"number": "+79160000004"},
			)
		self.assertEqual(response.status_code, 403)
		self.assertIn("do not let you place calls", response.get_data(as_text=True))
