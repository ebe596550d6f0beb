"""The Telephony workspace's number cards and charts: one whitelisted method each, over analytics.metrics.

Each covers the calls the user's call log lists (agents their own, supervisors everyone's), so nothing
here is cached across users (Frappe's `cache_source` would give everyone the first user's figures).
A card's or chart's filters may name a provider.
"""

import datetime

import frappe
from frappe import _
from frappe.utils import add_days, format_time, formatdate, get_first_day_of_week, getdate, nowdate

from telephony_crm.analytics import metrics
from telephony_crm.availability.board import supervises_agents
from telephony_crm.callbacks.fields import COUNT_FIELD, TODO

CHART_DAYS = 30
# What a card shows when there is nothing to measure (no inbound calls yet today).
NOTHING_TO_MEASURE = "–"


@frappe.whitelist()
def calls_today(filters: str | dict | None = None) -> dict:
	return _card(
		len(_calls_today(filters)),
		"Int",
		["List", metrics.CALL_DOCTYPE],
		{"started_at": ["Timespan", "today"]},
	)


@frappe.whitelist()
def answered_today(filters: str | dict | None = None) -> dict | str:
	"""Share of today's inbound calls that were answered."""
	rate = metrics.answer_rate(_calls_today(filters))
	return NOTHING_TO_MEASURE if rate is None else _card(round(rate, 1), "Percent")


@frappe.whitelist()
def missed_not_called_back(filters: str | dict | None = None) -> dict:
	return _card(
		metrics.missed_awaiting_callback(_provider(filters)),
		"Int",
		["List", TODO],
		# Not by the number: masked users may not filter by it (every call-back counts its calls).
		{"status": "Open", COUNT_FIELD: [">", 0]},
	)


@frappe.whitelist()
def average_wait_today(filters: str | dict | None = None) -> dict | str:
	"""How long today's inbound callers waited, on average, until answered or they gave up."""
	wait = metrics.average_wait(_calls_today(filters))
	return NOTHING_TO_MEASURE if wait is None else _card(round(wait), "Duration")


@frappe.whitelist()
def agents_available_now(filters: str | dict | None = None) -> dict:
	route = ["telephony-agents"] if supervises_agents() else None
	return _card(metrics.agents_available(_provider(filters)), "Int", route)


@frappe.whitelist()
def calls_per_day_by_status(chart_name: str | None = None, filters: str | dict | None = None) -> dict:
	"""Chart: calls a day over the last CHART_DAYS days, one line per status."""
	today = getdate(nowdate())
	days = [add_days(today, offset) for offset in range(1 - CHART_DAYS, 1)]
	counts = metrics.calls_by_day_and_status(
		metrics.calls(days[0], add_days(today, 1), provider=_provider(filters))
	)
	seen = {status for _day, status in counts}
	statuses = [status for status in _status_order() if status in seen]
	return {
		"labels": [formatdate(day) for day in days],
		"datasets": [
			{
				"name": _(status, context="Telephony Call Log"),
				"values": [counts.get((day, status), 0) for day in days],
			}
			for status in statuses
		],
	}


@frappe.whitelist()
def calls_by_hour_this_week(chart_name: str | None = None, filters: str | dict | None = None) -> dict:
	"""Chart: calls this week by the hour of the day they started."""
	today = getdate(nowdate())
	rows = metrics.calls(get_first_day_of_week(today), add_days(today, 1), provider=_provider(filters))
	return {
		"labels": [format_time(datetime.time(hour)) for hour in range(24)],
		"datasets": [{"name": _("Calls"), "values": metrics.calls_by_hour(rows)}],
	}


def _calls_today(filters) -> list[dict]:
	today = getdate(nowdate())
	return metrics.calls(today, add_days(today, 1), provider=_provider(filters))


def _provider(filters) -> str | None:
	filters = frappe.parse_json(filters) if filters else None
	return filters.get("provider") if isinstance(filters, dict) else None


def _card(value, fieldtype: str, route: list | None = None, route_options: dict | None = None) -> dict:
	"""A Custom number card's answer: the widget formats `value` as `fieldtype` and opens `route`."""
	return {"value": value, "fieldtype": fieldtype, "route": route, "route_options": route_options}


def _status_order() -> list[str]:
	return frappe.get_meta(metrics.CALL_DOCTYPE).get_options("status").split("\n")
