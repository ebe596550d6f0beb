"""Agent Performance: per agent, the calls they took and placed, and how fast and how long."""

import frappe
from frappe import _
from frappe.utils import add_days, getdate

from telephony_crm.analytics import metrics


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	rows = metrics.agent_performance(
		metrics.calls(
			filters.from_date,
			add_days(getdate(filters.to_date), 1),
			provider=filters.provider,
			agent=filters.agent,
			direction=filters.direction,
		)
	)
	return columns(), rows, None, chart(rows)


def columns() -> list[dict]:
	return [
		{"fieldname": "agent", "label": _("Agent"), "fieldtype": "Link", "options": "User", "width": 200},
		{"fieldname": "calls_in", "label": _("Calls In"), "fieldtype": "Int"},
		{"fieldname": "calls_out", "label": _("Calls Out"), "fieldtype": "Int"},
		{"fieldname": "answered", "label": _("Answered"), "fieldtype": "Int"},
		{"fieldname": "missed", "label": _("Missed"), "fieldtype": "Int"},
		{"fieldname": "answer_rate", "label": _("Answer Rate"), "fieldtype": "Percent"},
		{"fieldname": "avg_ring", "label": _("Average Ring Time"), "fieldtype": "Duration"},
		{"fieldname": "p90_ring", "label": _("90th Percentile Ring Time"), "fieldtype": "Duration"},
		{"fieldname": "avg_talk", "label": _("Average Talk Time"), "fieldtype": "Duration"},
		{"fieldname": "total_talk", "label": _("Total Talk Time"), "fieldtype": "Duration"},
	]


def chart(rows: list[dict]) -> dict:
	return {
		"type": "bar",
		"data": {
			"labels": [row["agent"] for row in rows],
			"datasets": [
				{"name": _("Answered"), "values": [row["answered"] for row in rows]},
				{"name": _("Missed"), "values": [row["missed"] for row in rows]},
			],
		},
	}
