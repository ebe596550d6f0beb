import frappe
from frappe.core.doctype.log_settings.log_settings import run_log_clean_up
from frappe.tests.utils import FrappeTestCase

from telephony_crm.request_log import REDACTED, log_request, redact, redact_url


class TestRequestLog(FrappeTestCase):
	def test_secrets_are_redacted_wherever_they_are(self):
		data = {
			"event": "ringing",
			"token": "t0k3n",
			"nested": {"api_key": "k", "Password": "p", "list": [{"client_secret": "s", "keep": 1}]},
			"X-Telephony-Signature": "sig",
		}
		self.assertEqual(
			redact(data),
			{
				"event": "ringing",
				"token": REDACTED,
				"nested": {
					"api_key": REDACTED,
					"Password": REDACTED,
					"list": [{"client_secret": REDACTED, "keep": 1}],
				},
				"X-Telephony-Signature": REDACTED,
			},
		)
		self.assertEqual(
			redact_url("https://erp.example/api/x?provider=PBX&token=t0k3n"),
			"https://erp.example/api/x?provider=PBX&token=***",
		)

	def test_frappe_log_clearing_removes_old_entries(self):
		frappe.db.set_single_value("Telephony Settings", "log_requests", 1)
		for _ in range(2):
			log_request(direction="Incoming", provider=None, method="POST", url="http://x/", status_code=200)
		old, recent = frappe.get_all("Telephony Request Log", pluck="name", order_by="creation desc", limit=2)
		frappe.db.set_value(
			"Telephony Request Log", old, "creation", frappe.utils.add_days(None, -31), update_modified=False
		)
		run_log_clean_up()
		self.assertFalse(frappe.db.exists("Telephony Request Log", old))
		self.assertTrue(frappe.db.exists("Telephony Request Log", recent))
		registered = {row.ref_doctype: row.days for row in frappe.get_doc("Log Settings").logs_to_clear}
		self.assertEqual(registered.get("Telephony Request Log"), 30)

	def test_nothing_is_logged_when_logging_is_off(self):
		frappe.db.set_single_value("Telephony Settings", "log_requests", 0)
		before = frappe.db.count("Telephony Request Log")
		log_request(direction="Incoming", provider=None, method="POST", url="http://x/", status_code=200)
		self.assertEqual(frappe.db.count("Telephony Request Log"), before)
