"""The users a provider's Automatic Lines should give a line and who have no enabled line there."""

import frappe
from frappe import _
from frappe.utils import get_fullname

from telephony_crm.lines.settings import auto_line_providers
from telephony_crm.lines.user_lines import users_without_line


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	providers = [
		lines for lines in auto_line_providers() if lines.provider == filters.provider or not filters.provider
	]
	rows = [row for lines in providers for row in _rows(lines)]
	message = None if providers else _("No enabled provider gives lines to roles (Automatic Lines).")
	return _columns(), rows, message


def _rows(lines) -> list[dict]:
	users = users_without_line(lines.provider)
	disabled = (
		{
			line.user: line.name
			for line in frappe.get_all(
				"SIP Account",
				{"provider": lines.provider, "enabled": 0, "user": ("in", users)},
				["name", "user"],
			)
		}
		if users
		else {}
	)
	return [
		{
			"provider": lines.provider,
			"user": user,
			"full_name": get_fullname(user),
			"roles": ", ".join(sorted(lines.roles & set(frappe.get_roles(user)))),
			"line": disabled.get(user),
			"why": _("Its line is disabled; enable it on the SIP Account")
			if user in disabled
			else _("No line yet: the range {0} may be full; save the provider once it has room").format(
				lines.range_label
			),
		}
		for user in users
	]


def _columns() -> list[dict]:
	return [
		{
			"fieldname": "provider",
			"label": _("Provider"),
			"fieldtype": "Link",
			"options": "Telephony Provider Settings",
			"width": 160,
		},
		{"fieldname": "user", "label": _("User"), "fieldtype": "Link", "options": "User", "width": 220},
		{"fieldname": "full_name", "label": _("Full Name"), "fieldtype": "Data", "width": 180},
		{"fieldname": "roles", "label": _("Roles"), "fieldtype": "Data", "width": 200},
		{
			"fieldname": "line",
			"label": _("SIP Account"),
			"fieldtype": "Link",
			"options": "SIP Account",
			"width": 140,
		},
		{"fieldname": "why", "label": _("Why"), "fieldtype": "Data", "width": 360},
	]
