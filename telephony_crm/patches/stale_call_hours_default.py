"""Sites that had Telephony Settings before calls without end stopped keeping agents Busy get its default
(a new site gets it when its settings are first saved, at install)."""

import frappe

SETTINGS = "Telephony Settings"
DEFAULT_HOURS = 4


def execute():
	stored = frappe.db.sql(
		"select 1 from `tabSingles` where doctype = %s and field = 'stale_call_hours'", (SETTINGS,)
	)
	if not stored:
		frappe.db.set_single_value(SETTINGS, "stale_call_hours", DEFAULT_HOURS)
