"""Agent Performance: per agent, the calls they took and placed, how fast and how long, their call-backs
and their time Available and Away."""

from frappe import _

from telephony_crm.analytics import metrics


def execute(filters: dict | None = None):
	rows = metrics.agent_performance(metrics.Scope.of_report(filters))
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
		{"fieldname": "callbacks", "label": _("Call-backs"), "fieldtype": "Int"},
		{"fieldname": "callbacks_closed", "label": _("Call-backs Closed"), "fieldtype": "Int"},
		{
			"fieldname": "avg_callback_close",
			"label": _("Average Time to Close a Call-back"),
			"fieldtype": "Duration",
		},
		{"fieldname": "available_time", "label": _("Time Available"), "fieldtype": "Duration"},
		{"fieldname": "away_time", "label": _("Time Away"), "fieldtype": "Duration"},
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
