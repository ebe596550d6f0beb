"""The indexes the analytics queries read (composite ones, which doctype JSON cannot declare).

Added with each doctype's own (its on_doctype_update, on install and when the doctype changes) and by the
patch that brought them to existing sites; each add is skipped when the index is there. The reports also
read indexes other doctypes declare, named here for the tests that check the queries use them."""

import frappe

CALL_PERIOD = "telephony_calls_by_period"
CALL_NUMBER_ANSWERED = "telephony_calls_by_number_answered"
CALL_STATUS_PERIOD = "telephony_calls_by_status_period"
# The calls an opportunity or sales order is linked to (the link doctype's own, on_doctype_update).
LINK_DOCUMENT = "link_doctype_link_name_index"
# Each agent's status changes in order, and their last one before a period (the log's own).
STATUS_CHANGE_USER = "user_changed_at_index"
STATUS_CHANGE_PERIOD = "telephony_status_changes_by_period"

INDEXES = {
	# Covers every column the grouped call figures read, so a month is one range scan of the index.
	"Telephony Call Log": {
		CALL_PERIOD: (
			"started_at",
			"agent",
			"direction",
			"status",
			"provider",
			"answered_at",
			"ring_duration",
			"talk_duration",
			"ended_at",
			"customer",
		),
		# A missed call's first later answered call of its number.
		CALL_NUMBER_ANSWERED: ("external_number", "answered_at"),
		# A period's missed calls, with what the Missed Calls report shows of them.
		CALL_STATUS_PERIOD: (
			"status",
			"started_at",
			"external_number",
			"agent",
			"provider",
			"ring_duration",
			"caller_name",
		),
	},
	# Covers what the time in each status sums over a period's changes.
	"Telephony Agent Status Change": {
		STATUS_CHANGE_PERIOD: ("changed_at", "user", "from_status", "to_status")
	},
}


def add_indexes(doctype: str | None = None) -> None:
	"""The indexes of `doctype`, or of all."""
	for indexed, indexes in INDEXES.items():
		if doctype in (None, indexed):
			for name, columns in indexes.items():
				frappe.db.add_index(indexed, list(columns), name)
