"""Who sees and removes which calls, through the same APIs the desk and REST clients use."""

import frappe
from frappe.desk.form.load import getdoc
from frappe.desk.reportview import get as reportview_get
from frappe.permissions import add_permission, update_permission_property
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.engine import process_event
from telephony_crm.calls.events import EventType
from telephony_crm.roles import AGENT_ROLE, SUPERVISOR_ROLE
from telephony_crm.tests.client import api_headers, request
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_provider,
	make_sip_account,
	make_user,
	unique,
)

CALL = "Telephony Call Log"


class TestCallPermissions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider().name
		cls.agent, cls.colleague = make_user(), make_user()
		cls.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		make_sip_account(cls.agent, cls.provider, "201")
		make_sip_account(cls.colleague, cls.provider, "202")
		cls.headers = {user: api_headers(user) for user in (cls.agent, cls.colleague, cls.supervisor)}
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)
		frappe.db.delete("Custom DocPerm", {"parent": CALL})
		frappe.clear_cache(doctype=CALL)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		self.own = self.new_call("201")
		self.others = self.new_call("202")
		frappe.db.commit()

	def tearDown(self):
		frappe.set_user("Administrator")

	def new_call(self, extension: str) -> str:
		return process_event(
			call_event(self.provider, unique("perm"), EventType.RINGING, extension=extension)
		).name

	def visible(self, user: str) -> set[str]:
		frappe.set_user(user)
		return set(frappe.get_list(CALL, {"provider": self.provider}, pluck="name", limit=0))

	def grant_agents_delete(self):
		add_permission(CALL, AGENT_ROLE)
		update_permission_property(CALL, AGENT_ROLE, 0, "delete", 1)
		frappe.db.commit()

	def test_agent_lists_only_own_calls(self):
		self.assertEqual(self.visible(self.agent) & {self.own, self.others}, {self.own})
		self.assertEqual(self.visible(self.colleague) & {self.own, self.others}, {self.others})

	def test_supervisor_lists_every_call(self):
		self.assertLessEqual({self.own, self.others}, self.visible(self.supervisor))

	def test_user_who_answered_sees_the_call(self):
		call_id = unique("transfer")
		process_event(call_event(self.provider, call_id, EventType.RINGING, extension="201"))
		name = process_event(call_event(self.provider, call_id, EventType.ANSWERED, 3, extension="202")).name
		self.assertIn(name, self.visible(self.colleague))

	def test_report_view(self):
		frappe.set_user(self.agent)
		frappe.local.form_dict = frappe._dict(
			doctype=CALL,
			fields=["name"],
			filters=[[CALL, "provider", "=", self.provider]],
			limit_page_length=0,
		)
		report = reportview_get()
		self.assertEqual({row[0] for row in report["values"]} & {self.own, self.others}, {self.own})

	def test_form_load(self):
		frappe.set_user(self.agent)
		getdoc(CALL, self.own)
		with self.assertRaises(frappe.PermissionError):
			getdoc(CALL, self.others)

	def test_rest_read(self):
		headers = self.headers[self.agent]
		self.assertEqual(request("get", f"/api/resource/{CALL}/{self.own}", headers).status_code, 200)
		self.assertEqual(request("get", f"/api/resource/{CALL}/{self.others}", headers).status_code, 403)
		listed = request(
			"get",
			f"/api/resource/{CALL}",
			headers,
			query_string={
				"filters": frappe.as_json([["provider", "=", self.provider]]),
				"limit_page_length": 0,
			},
		).get_json()["data"]
		self.assertEqual({row["name"] for row in listed} & {self.own, self.others}, {self.own})

	def test_agent_writes_notes_on_own_call_only(self):
		frappe.set_user(self.agent)
		call = frappe.get_doc(CALL, self.own)
		call.notes = "Asked for a callback"
		call.save()
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(CALL, self.others).check_permission("write")

	def test_agent_cannot_delete_by_default(self):
		frappe.set_user(self.agent)
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc(CALL, self.own)
		frappe.db.rollback()  # let go of the row the refused delete locked
		response = request("delete", f"/api/resource/{CALL}/{self.own}", self.headers[self.agent])
		self.assertEqual(response.status_code, 403)

	def test_agent_granted_delete_removes_own_calls_never_others(self):
		self.grant_agents_delete()
		try:
			frappe.set_user(self.agent)
			with self.assertRaises(frappe.PermissionError):
				frappe.delete_doc(CALL, self.others)
			frappe.delete_doc(CALL, self.own)
			self.assertFalse(frappe.db.exists(CALL, self.own))
			frappe.db.commit()

			frappe.set_user("Administrator")
			own_again = self.new_call("201")
			frappe.db.commit()
			headers = self.headers[self.agent]
			self.assertEqual(
				request("delete", f"/api/resource/{CALL}/{self.others}", headers).status_code, 403
			)
			self.assertEqual(request("delete", f"/api/resource/{CALL}/{own_again}", headers).status_code, 202)
		finally:
			frappe.set_user("Administrator")
			frappe.db.delete("Custom DocPerm", {"parent": CALL})
			frappe.clear_cache(doctype=CALL)
			frappe.db.commit()

	def test_supervisor_deletes_anyones_call(self):
		response = request("delete", f"/api/resource/{CALL}/{self.others}", self.headers[self.supervisor])
		self.assertEqual(response.status_code, 202)
		frappe.set_user(self.supervisor)
		frappe.delete_doc(CALL, self.own)
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists(CALL, self.others))

	def test_export_needs_the_right_and_respects_rows(self):
		frappe.set_user(self.agent)
		self.assertFalse(frappe.has_permission(CALL, "export"))
		frappe.set_user(self.supervisor)
		self.assertTrue(frappe.has_permission(CALL, "export"))


class TestSipAccountPermissions(FrappeTestCase):
	def test_agent_sees_only_own_line_and_cannot_edit_it(self):
		provider = make_provider().name
		agent, colleague = make_user(), make_user()
		own = make_sip_account(agent, provider, "301").name
		make_sip_account(colleague, provider, "302")
		frappe.set_user(agent)
		try:
			self.assertEqual(frappe.get_list("SIP Account", {"provider": provider}, pluck="name"), [own])
			with self.assertRaises(frappe.PermissionError):
				frappe.get_doc("SIP Account", own).check_permission("write")
		finally:
			frappe.set_user("Administrator")

	def test_extension_is_unique_per_provider(self):
		provider = make_provider().name
		make_sip_account(make_user(), provider, "401")
		with self.assertRaises(frappe.UniqueValidationError):
			make_sip_account(make_user(), provider, "401")
		make_sip_account(make_user(), make_provider().name, "401")
