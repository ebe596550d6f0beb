"""A line's registration: set by the app alone, from the provider's reports, cleaned, told to the line's
user and the supervisors only, and given to the desk without credentials."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.api.line_status import my_lines
from telephony_crm.boot import boot_session
from telephony_crm.lines.registration import (
	LINE_STATUS_EVENT,
	REGISTERED,
	UNKNOWN,
	UNREACHABLE,
	UNREGISTERED,
	LineState,
	RegistrationFieldsError,
	set_line_state,
	set_provider_line_states,
)
from telephony_crm.roles import SUPERVISOR_ROLE
from telephony_crm.tests.factories import make_provider, make_sip_account, make_user

LINE_KEYS = {"line", "user", "provider", "extension", "status", "since", "detail"}


class TestLineRegistration(FrappeTestCase):
	def setUp(self):
		self.provider = make_provider().name
		self.agent = make_user()
		self.line = make_sip_account(
			self.agent, self.provider, "301", sip_login="1234*301", sip_password="line-301-password"
		).name
		self.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")

	def stored(self, line: str | None = None) -> dict:
		return frappe.db.get_value(
			"SIP Account",
			line or self.line,
			["registration_status", "registration_since", "registration_detail"],
			as_dict=True,
		)

	def test_a_new_line_is_unknown(self):
		self.assertEqual(
			self.stored(),
			{"registration_status": UNKNOWN, "registration_since": None, "registration_detail": None},
		)

	def test_nobody_sets_the_registration_by_hand(self):
		for field, value in (
			("registration_status", REGISTERED),
			("registration_since", "2026-12-01 10:00:00"),
			("registration_detail", "sip:301@10.0.0.9"),
		):
			doc = frappe.get_doc("SIP Account", self.line)
			doc.set(field, value)
			with self.assertRaises(RegistrationFieldsError):
				doc.save(ignore_permissions=True)
			with self.assertRaises(RegistrationFieldsError):
				frappe.client.set_value("SIP Account", self.line, field, value)
		with self.assertRaises(RegistrationFieldsError):
			make_sip_account(self.agent, self.provider, "302", registration_status=REGISTERED)
		self.assertEqual(self.stored().registration_status, UNKNOWN)

	def test_saving_a_line_keeps_what_the_provider_reported(self):
		set_line_state(self.provider, "301", LineState(REGISTERED, "sip:301@10.0.0.9"))
		doc = frappe.get_doc("SIP Account", self.line)
		doc.accept_incoming = 0
		# As a form sends it: the datetime as text.
		doc.registration_since = str(doc.registration_since)
		doc.save(ignore_permissions=True)
		self.assertEqual(self.stored().registration_status, REGISTERED)
		self.assertEqual(self.stored().registration_detail, "sip:301@10.0.0.9")

	def test_a_report_is_cleaned_and_told_to_the_user_and_the_supervisors_only(self):
		colleague = make_user()
		make_sip_account(colleague, self.provider, "303")
		with patch("frappe.publish_realtime") as publish:
			set_line_state(
				self.provider, "301", LineState(REGISTERED, '<img src=x onerror="alert(1)">\x00' + "y" * 500)
			)
		sent = [c for c in publish.call_args_list if c.args[0] == LINE_STATUS_EVENT]
		recipients = {c.kwargs["user"] for c in sent}
		self.assertTrue({self.agent, self.supervisor} <= recipients)
		self.assertNotIn(colleague, recipients)
		self.assertTrue(all(c.kwargs["after_commit"] for c in sent))
		payload = sent[0].args[1]
		self.assertEqual(set(payload), LINE_KEYS)
		self.assertEqual((payload["line"], payload["status"]), (self.line, REGISTERED))
		self.assertNotIn("line-301-password", frappe.as_json(payload))
		self.assertEqual(payload["detail"], self.stored().registration_detail)
		self.assertTrue(payload["detail"].startswith("img src=x onerror=alert(1) yyy"), payload["detail"])
		self.assertEqual(len(payload["detail"]), 140)

	def test_the_login_names_the_line_too(self):
		self.assertEqual(set_line_state(self.provider, "1234*301", LineState(UNREACHABLE)), self.line)
		self.assertEqual(self.stored().registration_status, UNREACHABLE)
		self.assertIsNone(set_line_state(self.provider, "trunk", LineState(REGISTERED)))
		self.assertIsNone(set_line_state(make_provider().name, "301", LineState(REGISTERED)))

	def test_since_is_when_the_status_changed(self):
		first = frappe.utils.get_datetime("2026-12-01 10:00:00")
		set_line_state(self.provider, "301", LineState(REGISTERED, "sip:301@10.0.0.9", first))
		with patch("frappe.publish_realtime") as publish:
			set_line_state(self.provider, "301", LineState(REGISTERED, "sip:301@10.0.0.9"))
		publish.assert_not_called()  # a re-registration: nothing new to tell
		set_line_state(self.provider, "301", LineState(REGISTERED, "sip:301@10.0.0.10"))
		self.assertEqual(self.stored().registration_since, first)
		self.assertEqual(self.stored().registration_detail, "sip:301@10.0.0.10")
		set_line_state(self.provider, "301", LineState("Exploded"))
		self.assertEqual(self.stored().registration_status, UNKNOWN)
		self.assertGreater(self.stored().registration_since, first)

	def test_a_snapshot_sets_every_line_of_the_provider(self):
		other = make_sip_account(make_user(), self.provider, "302").name
		elsewhere = make_sip_account(make_user(), make_provider().name, "302").name
		set_provider_line_states(
			self.provider, {"1234*301": LineState(REGISTERED, "sip:301@10.0.0.9")}, LineState(UNREGISTERED)
		)
		self.assertEqual(self.stored().registration_status, REGISTERED)
		self.assertEqual(self.stored(other).registration_status, UNREGISTERED)
		self.assertEqual(self.stored(elsewhere).registration_status, UNKNOWN)

	def test_the_desk_gets_the_users_own_enabled_lines_without_credentials(self):
		make_sip_account(self.agent, make_provider().name, "309", enabled=0)
		set_line_state(self.provider, "301", LineState(REGISTERED, "sip:301@10.0.0.9"))
		frappe.set_user(self.agent)
		self.addCleanup(frappe.set_user, "Administrator")
		bootinfo = frappe._dict()
		boot_session(bootinfo)
		boot = bootinfo.telephony["line_status"]
		self.assertEqual(boot["realtime_event"], LINE_STATUS_EVENT)
		self.assertEqual([line["line"] for line in boot["lines"]], [self.line])
		self.assertEqual(set(boot["lines"][0]), LINE_KEYS)
		self.assertEqual(boot["lines"][0]["status"], REGISTERED)
		self.assertNotIn("line-301-password", frappe.as_json(bootinfo.telephony))
		self.assertEqual(my_lines(), boot["lines"])
