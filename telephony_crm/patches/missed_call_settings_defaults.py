"""Sites that had Telephony Settings before Missed Calls and Routing get their defaults (a new site gets
them when its settings are first saved). The fields are new in this migration, so whatever they hold
came from a save of the whole settings during it, not from a person."""

import frappe

DEFAULTS = {
	"callbacks_enabled": 1,
	"last_talker_window_hours": 24,
	"callback_working_days": "Every day",
	"routing_enabled": 1,
}


def execute():
	frappe.db.set_single_value("Telephony Settings", DEFAULTS)
