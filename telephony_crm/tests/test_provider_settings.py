import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.tests.factories import make_provider, make_user


class TestProviderSettings(FrappeTestCase):
	def test_secret_is_generated_and_rotated(self):
		provider = make_provider()
		secret = provider.get_password("webhook_secret")
		self.assertGreaterEqual(len(secret), 32)
		url = provider.rotate_webhook_secret()
		new_secret = frappe.get_doc("Telephony Provider Settings", provider.name).get_password(
			"webhook_secret"
		)
		self.assertNotEqual(secret, new_secret)
		self.assertTrue(url.endswith(f"token={new_secret}"))

	def test_webhook_url_names_the_provider_but_not_the_secret(self):
		provider = make_provider()
		self.assertIn("/api/method/telephony_crm.api.webhook.receive?provider=", provider.webhook_url)
		self.assertNotIn(provider.get_password("webhook_secret"), provider.webhook_url)

	def test_only_one_default_for_outgoing_calls(self):
		first = make_provider(is_default_outgoing=1)
		second = make_provider(is_default_outgoing=1)
		self.assertFalse(
			frappe.db.get_value("Telephony Provider Settings", first.name, "is_default_outgoing")
		)
		self.assertTrue(
			frappe.db.get_value("Telephony Provider Settings", second.name, "is_default_outgoing")
		)

	def test_secret_actions_are_for_system_managers(self):
		provider = frappe.get_doc("Telephony Provider Settings", make_provider().name)
		frappe.set_user(make_user(prefix="agent"))
		try:
			with self.assertRaises(frappe.PermissionError):
				provider.get_webhook_url_with_secret()
			with self.assertRaises(frappe.PermissionError):
				provider.rotate_webhook_secret()
		finally:
			frappe.set_user("Administrator")
