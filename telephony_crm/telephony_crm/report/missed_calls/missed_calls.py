"""Missed Calls: each missed call, whether and when it was called back, by whom, and how long after."""

from frappe import _

from telephony_crm.analytics import metrics
from telephony_crm.masking import masks_numbers


def execute(filters: dict | None = None):
	filters = filters or {}
	rows = metrics.missed_calls(
		metrics.Scope.of_report(filters), not_called_back=bool(filters.get("not_called_back"))
	)
	masked = masks_numbers()
	for row in rows:
		# A masked user's rows carry the stored masked copy, and nothing of the number itself.
		display = row.pop("external_number_display")
		if masked:
			row["external_number"] = display
	return columns(), rows, None, chart(rows)


def columns() -> list[dict]:
	return [
		{
			"fieldname": "call",
			"label": _("Call"),
			"fieldtype": "Link",
			"options": metrics.CALL_DOCTYPE,
			"width": 170,
		},
		{"fieldname": "started_at", "label": _("Started At"), "fieldtype": "Datetime", "width": 160},
		{"fieldname": "external_number", "label": _("External Number"), "fieldtype": "Data", "width": 140},
		{"fieldname": "caller_name", "label": _("Caller Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "agent", "label": _("Agent"), "fieldtype": "Link", "options": "User", "width": 180},
		{
			"fieldname": "provider",
			"label": _("Provider"),
			"fieldtype": "Link",
			"options": "Telephony Provider Settings",
			"width": 140,
		},
		{"fieldname": "ring_duration", "label": _("Ring Time"), "fieldtype": "Duration"},
		{"fieldname": "called_back", "label": _("Called Back"), "fieldtype": "Check"},
		{"fieldname": "called_back_at", "label": _("Called Back At"), "fieldtype": "Datetime", "width": 160},
		{
			"fieldname": "called_back_by",
			"label": _("Called Back By"),
			"fieldtype": "Link",
			"options": "User",
			"width": 180,
		},
		{"fieldname": "time_to_call_back", "label": _("Time to Call Back"), "fieldtype": "Duration"},
		{
			"fieldname": "callback_call",
			"label": _("Call-back Call"),
			"fieldtype": "Link",
			"options": metrics.CALL_DOCTYPE,
			"width": 170,
		},
	]


def chart(rows: list[dict]) -> dict:
	called_back = sum(row["called_back"] for row in rows)
	return {
		"type": "donut",
		"data": {
			"labels": [_("Called Back"), _("Not Called Back")],
			"datasets": [{"name": _("Missed Calls"), "values": [called_back, len(rows) - called_back]}],
		},
	}
