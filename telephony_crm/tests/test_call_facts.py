"""A call's facts belong to its PBX: nobody rewrites them, by any path, whatever their role.

Each test is an attack seen on a real site: an agent taking a colleague's call, or rewriting the status,
durations, numbers or customer of their own; a supervisor or System Manager doing the same.
"""

import glob
import json
import os
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.engine import process_event
from telephony_crm.calls.events import EventType
from telephony_crm.calls.guard import CallFactsError, guard_pbx_facts
from telephony_crm.permissions import call_log_has_permission
from telephony_crm.roles import SUPERVISOR_ROLE
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

CALL = "Telephony Call Log"
CALL_CONTROLLER = "telephony_crm.telephony_crm.doctype.telephony_call_log.telephony_call_log"
# Values an attacker would like the call to say.
FORGED = {
	"status": "Completed",
	"talk_duration": 3600,
	"ring_duration": 0,
	"caller_number": "+70000000000",
	"external_number": "+70000000000",
	"started_at": "2026-01-01 09:00:00",
	"recording_url": "https://evil.example/x.mp3",
	"recording_status": "On Site",
	"recording_size": 1,
}
# Facts above permission level 0, which nobody writes: Frappe keeps the stored value, whatever is sent
# (the recording's URL, which only System Managers read; the numbers, which masked users do not read).
HIDDEN_FACTS = ("recording_url", "external_number", "caller_number", "called_number")


class TestCallFactsAreReadOnly(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider().name
		cls.agent, cls.colleague = make_user(), make_user()
		cls.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		cls.manager = make_user(roles=("System Manager",), prefix="manager")
		make_sip_account(cls.agent, cls.provider, "301")
		make_sip_account(cls.colleague, cls.provider, "302")
		cls.headers = {u: api_headers(u) for u in (cls.agent, cls.colleague, cls.supervisor, cls.manager)}
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		self.own = self.new_call("301")
		self.colleagues = self.new_call("302")
		frappe.db.commit()

	def tearDown(self):
		frappe.set_user("Administrator")

	def new_call(self, extension: str) -> str:
		call_id = unique("facts")
		process_event(call_event(self.provider, call_id, EventType.RINGING, extension=extension))
		return process_event(
			call_event(self.provider, call_id, EventType.ENDED, 20, extension=extension)
		).name

	def stored(self, name: str) -> dict:
		frappe.db.rollback()  # what the request committed
		return frappe.db.get_value(
			CALL, name, ["agent", "status", "talk_duration", "caller_number"], as_dict=True
		)

	def test_an_agent_cannot_make_a_colleagues_call_theirs_over_rest(self):
		before = self.stored(self.colleagues)
		response = request(
			"put",
			f"/api/resource/{CALL}/{self.colleagues}",
			self.headers[self.agent],
			json={"agent": self.agent},
		)
		self.assertEqual(response.status_code, 403, response.get_data(as_text=True))
		self.assertEqual(self.stored(self.colleagues), before)

	def test_an_agent_cannot_take_a_call_with_set_value(self):
		response = request(
			"post",
			"/api/method/frappe.client.set_value",
			self.headers[self.agent],
			json={"doctype": CALL, "name": self.colleagues, "fieldname": "agent", "value": self.agent},
		)
		self.assertEqual(response.status_code, 403, response.get_data(as_text=True))
		self.assertEqual(self.stored(self.colleagues).agent, self.colleague)

	def test_nobody_rewrites_the_facts_of_a_call_over_rest(self):
		for user in (self.agent, self.supervisor, self.manager):
			before = self.stored(self.own)
			for field, value in {**FORGED, "agent": self.colleague, "answered_by": user}.items():
				with self.subTest(user=user, field=field):
					response = request(
						"put", f"/api/resource/{CALL}/{self.own}", self.headers[user], json={field: value}
					)
					if field in HIDDEN_FACTS:
						self.assertNotIn(value, response.get_data(as_text=True))
						continue
					self.assertEqual(response.status_code, 403, response.get_data(as_text=True))
					self.assertIn("cannot be changed", response.get_data(as_text=True))
			self.assertEqual(self.stored(self.own), before)

	def test_nobody_rewrites_the_facts_with_set_value_or_bulk_edit(self):
		for user in (self.agent, self.supervisor, self.manager, "Administrator"):
			frappe.set_user(user)
			with self.subTest(user=user), self.assertRaises(CallFactsError):
				frappe.client.set_value(CALL, self.own, "status", "Completed")
			with self.subTest(user=user), self.assertRaises(CallFactsError):
				frappe.client.set_value(
					CALL, self.own, {"talk_duration": 1, "customer": make_customer().name}
				)
		frappe.set_user("Administrator")
		from frappe.desk.doctype.bulk_update.bulk_update import submit_cancel_or_update_docs

		failed = submit_cancel_or_update_docs(
			CALL, json.dumps([self.own]), action="update", data={"status": "Busy"}
		)
		self.assertEqual(failed, [self.own])
		self.assertEqual(self.stored(self.own).status, "Missed")

	def test_data_import_cannot_update_the_facts(self):
		from frappe.core.doctype.data_import.importer import Importer

		path = frappe.get_site_path("private", "files", f"{unique('calls')}.csv")
		with open(path, "w") as csv:
			csv.write(f"ID,Status,Talk Time (s)\n{self.own},Completed,999\n")
		data_import = frappe.new_doc("Data Import")
		data_import.update(
			{"reference_doctype": CALL, "import_type": "Update Existing Records", "payload_count": 1}
		)
		refused = []

		def guard(call):
			try:
				guard_pbx_facts(call)
			except CallFactsError:
				refused.append(call.name)
				raise

		with patch(f"{CALL_CONTROLLER}.guard_pbx_facts", guard):
			Importer(CALL, file_path=path, data_import=data_import, console=True).import_data()
		self.assertEqual(refused, [self.own])
		self.assertEqual(self.stored(self.own).status, "Missed")
		# The importer's console mode leaves its error report in the working directory.
		for report in glob.glob(f"{CALL}_import_on_*.txt"):
			os.remove(report)

	def test_events_and_participants_cannot_be_changed(self):
		call = frappe.get_doc(CALL, self.own)
		call.events[0].raw_status = "forged"
		self.assertRaises(CallFactsError, call.save)
		call = frappe.get_doc(CALL, self.own)
		call.append("participants", {"user": self.colleague})
		self.assertRaises(CallFactsError, call.save)

	def test_calls_cannot_be_created_by_hand(self):
		response = request(
			"post",
			f"/api/resource/{CALL}",
			self.headers[self.manager],
			json={
				"provider": self.provider,
				"call_id": unique("forged"),
				"direction": "Inbound",
				"status": "Completed",
			},
		)
		self.assertEqual(response.status_code, 403, response.get_data(as_text=True))

	def test_people_write_notes_and_add_links(self):
		customer = make_customer().name
		frappe.db.commit()  # the request sees committed data only
		response = request(
			"put",
			f"/api/resource/{CALL}/{self.own}",
			self.headers[self.agent],
			json={
				"notes": "<p>Wants a call back</p>",
				"links": [{"link_doctype": "Customer", "link_name": customer, "origin": "Caller ID"}],
			},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		frappe.db.rollback()
		call = frappe.get_doc(CALL, self.own)
		self.assertIn("Wants a call back", call.notes)
		# A row people add is theirs, whatever origin they claim: the engine never replaces it.
		self.assertEqual([(r.link_name, r.origin) for r in call.links], [(customer, "Added")])
		# ...and once added, it stays as it is.
		call.links[0].link_name = make_customer().name
		self.assertRaises(CallFactsError, call.save)

	def test_the_provider_is_named_as_the_author(self):
		frappe.db.rollback()
		owner, modified_by = frappe.db.get_value(CALL, self.own, ["owner", "modified_by"])
		self.assertEqual((owner, modified_by), (self.provider, self.provider))

	def test_permission_decides_from_the_stored_record(self):
		call = frappe.get_doc(CALL, self.colleagues)
		call.agent = call.answered_by = self.agent
		self.assertFalse(call_log_has_permission(call, "write", self.agent))
		self.assertFalse(call_log_has_permission(call, "delete", self.agent))
		self.assertTrue(call_log_has_permission(call, "write", self.colleague))
