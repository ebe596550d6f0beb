"""Call Load: calls by hour of day and day of week, peak concurrent calls, service level, abandonment."""

import datetime

from frappe import _
from frappe.utils import cint, format_time

from telephony_crm.analytics import metrics

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def execute(filters: dict | None = None):
	filters = filters or {}
	service_level = cint(filters.get("service_level")) or metrics.DEFAULT_SERVICE_LEVEL_SECONDS
	load = metrics.call_load(metrics.Scope.of_report(filters), service_level)
	rows = [
		{
			"hour": hour,
			"hour_label": format_time(datetime.time(hour)),
			**{day: load.by_hour.get((weekday, hour), 0) for weekday, day in enumerate(WEEKDAYS)},
			"total": sum(load.by_hour.get((weekday, hour), 0) for weekday in range(7)),
		}
		for hour in range(24)
	]
	return columns(), rows, None, chart(rows), summary(load, service_level)


def columns() -> list[dict]:
	return [
		{"fieldname": "hour_label", "label": _("Hour"), "fieldtype": "Data", "width": 80},
		*(
			{"fieldname": day, "label": _(label), "fieldtype": "Int", "width": 100}
			for day, label in zip(WEEKDAYS, WEEKDAY_LABELS, strict=True)
		),
		{"fieldname": "total", "label": _("Total"), "fieldtype": "Int", "width": 100},
		{"fieldname": "hour", "label": _("Hour of Day"), "fieldtype": "Int", "hidden": 1},
	]


def chart(rows: list[dict]) -> dict:
	"""Calls by hour, a stacked bar for each day of the week."""
	return {
		"type": "bar",
		"barOptions": {"stacked": 1},
		"data": {
			"labels": [row["hour_label"] for row in rows],
			"datasets": [
				{"name": _(label), "values": [row[day] for row in rows]}
				for day, label in zip(WEEKDAYS, WEEKDAY_LABELS, strict=True)
			],
		},
	}


def summary(load, service_level: int) -> list[dict]:
	return [
		{"label": _("Inbound Calls"), "value": load.inbound, "datatype": "Int"},
		{"label": _("Peak Concurrent Calls"), "value": load.peak_concurrent, "datatype": "Int"},
		{
			"label": _("Answered within {0} s").format(service_level),
			"value": load.service_level,
			"datatype": "Percent",
		},
		{"label": _("Abandonment Rate"), "value": load.abandonment_rate, "datatype": "Percent"},
	]
