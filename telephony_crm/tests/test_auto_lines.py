import frappe
from frappe.desk.query_report import run as run_report
from frappe.tests.utils import FrappeTestCase

from telephony_crm.lines.user_lines import users_without_line
from telephony_crm.roles import AGENT_ROLE, SUPERVISOR_ROLE
from telephony_crm.tests.factories import make_provider, make_sip_account, make_user, run_at_once, unique

LINE_ROLE = "Telephony Line Test Role"


def line_role() -> str:
	"""A role of the test's own: users of earlier tests with the role would get lines on its provider too."""
	global LINE_ROLE
	LINE_ROLE = unique("Line Role")
	frappe.get_doc({"doctype": "Role", "role_name": LINE_ROLE, "desk_access": 1}).insert(
		ignore_permissions=True
	)
	return LINE_ROLE


def auto_line_provider(first=101, last=199, login="7000*{extension}"):
	return make_provider(
		auto_line_roles=[{"role": line_role()}],
		auto_line_first_extension=first,
		auto_line_last_extension=last,
		auto_line_login_template=login,
	)


def line_of(user: str, provider: str):
	return frappe.get_doc("SIP Account", {"user": user, "provider": provider})


class TestAutoLines(FrappeTestCase):
	def test_user_gaining_the_role_gets_the_next_free_extension_and_a_strong_password(self):
		provider = auto_line_provider().name
		make_sip_account(make_user(), provider, "101")
		user = make_user(roles=(AGENT_ROLE, LINE_ROLE))
		line = line_of(user, provider)
		self.assertEqual(line.extension, "102")
		self.assertEqual(line.sip_login, "7000*102")
		self.assertTrue(line.enabled and line.auto_line)
		password = line.get_password("sip_password")
		self.assertGreaterEqual(len(password), 32)
		self.assertNotEqual(
			password, line_of(make_user(roles=(LINE_ROLE,)), provider).get_password("sip_password")
		)

	def test_user_without_the_role_gets_no_line(self):
		provider = auto_line_provider().name
		user = make_user(roles=(AGENT_ROLE,))
		self.assertFalse(frappe.db.exists("SIP Account", {"user": user, "provider": provider}))

	def test_line_is_disabled_when_the_role_goes_and_enabled_again_when_it_is_back(self):
		provider = auto_line_provider().name
		user = make_user(roles=(LINE_ROLE,))
		frappe.get_doc("User", user).remove_roles(LINE_ROLE)
		line = line_of(user, provider)
		self.assertFalse(line.enabled)
		self.assertTrue(line.auto_disabled)
		frappe.get_doc("User", user).add_roles(LINE_ROLE)
		line = line_of(user, provider)
		self.assertTrue(line.enabled)
		self.assertFalse(line.auto_disabled)
		self.assertEqual(frappe.db.count("SIP Account", {"user": user, "provider": provider}), 1)

	def test_disabled_user_loses_the_line(self):
		provider = auto_line_provider().name
		user = frappe.get_doc("User", make_user(roles=(LINE_ROLE,)))
		user.enabled = 0
		user.save(ignore_permissions=True)
		self.assertFalse(line_of(user.name, provider).enabled)

	def test_line_an_admin_disabled_stays_disabled(self):
		provider = auto_line_provider().name
		user = make_user(roles=(LINE_ROLE,))
		line = line_of(user, provider)
		line.enabled = 0
		line.save(ignore_permissions=True)
		frappe.get_doc("User", user).save(ignore_permissions=True)
		self.assertFalse(line_of(user, provider).enabled)

	def test_full_range_refuses_with_a_message(self):
		auto_line_provider(first=101, last=101)
		make_user(roles=(LINE_ROLE,))
		with self.assertRaisesRegex(frappe.ValidationError, "No free extension"):
			make_user(roles=(LINE_ROLE,))

	def test_existing_users_get_lines_when_the_setting_is_saved(self):
		line_role()
		user = make_user(roles=(LINE_ROLE,))
		provider = make_provider()
		self.assertFalse(frappe.db.exists("SIP Account", {"user": user, "provider": provider.name}))
		provider.update(
			{
				"auto_line_roles": [{"role": LINE_ROLE}],
				"auto_line_first_extension": 500,
				"auto_line_last_extension": 599,
			}
		)
		provider.save(ignore_permissions=True)
		self.assertTrue(line_of(user, provider.name).extension.startswith("5"))

	def test_report_lists_users_with_the_role_and_no_line(self):
		provider = auto_line_provider().name
		user = make_user(roles=(LINE_ROLE,))
		self.assertNotIn(user, users_without_line(provider))
		line = line_of(user, provider)
		line.enabled = 0
		line.save(ignore_permissions=True)
		self.assertIn(user, users_without_line(provider))

		supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		frappe.set_user(supervisor)
		try:
			report = run_report("Users Without a Line", {"provider": provider})
		finally:
			frappe.set_user("Administrator")
		rows = {row["user"]: row for row in report["result"]}
		self.assertEqual(rows[user]["line"], line.name)
		self.assertIn("disabled", rows[user]["why"])

		frappe.set_user(make_user(roles=(AGENT_ROLE,)))
		try:
			self.assertRaises(frappe.PermissionError, run_report, "Users Without a Line", {})
		finally:
			frappe.set_user("Administrator")

	def test_settings_need_a_range_and_a_login_with_the_extension(self):
		with self.assertRaises(frappe.ValidationError):
			auto_line_provider(first=0, last=0)
		with self.assertRaises(frappe.ValidationError):
			auto_line_provider(login="fixed-login")


class TestAutoLinesAtOnce(FrappeTestCase):
	def test_two_users_at_once_never_get_the_same_extension(self):
		provider = auto_line_provider().name
		frappe.db.commit()
		emails = [f"{unique('atonce').lower()}@telephony.example" for _ in range(2)]

		def add_user(email):
			frappe.local.conf.throttle_user_limit = 100_000
			user = frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": "At",
					"username": email.split("@")[0],
					"send_welcome_email": 0,
				}
			)
			user.insert(ignore_permissions=True)
			user.add_roles(LINE_ROLE)
			frappe.db.commit()

		try:
			run_at_once([lambda email=email: add_user(email) for email in emails])
			extensions = frappe.get_all("SIP Account", {"provider": provider}, pluck="extension")
			self.assertEqual(sorted(extensions), ["101", "102"])
		finally:
			for name in frappe.get_all("SIP Account", {"provider": provider}, pluck="name"):
				frappe.delete_doc("SIP Account", name, ignore_permissions=True, force=True)
			for email in emails:
				if frappe.db.exists("User", email):
					frappe.delete_doc("User", email, ignore_permissions=True, force=True)
			frappe.delete_doc("Telephony Provider Settings", provider, ignore_permissions=True, force=True)
			frappe.db.commit()
