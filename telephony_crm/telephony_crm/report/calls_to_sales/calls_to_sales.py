"""Calls to Sales: per agent and period, calls with known customers and the opportunities and sales
orders linked to calls, with their value (only those the user may read)."""

from erpnext import get_default_currency
from frappe import _

from telephony_crm.analytics import metrics

DEFAULT_PERIOD = "Month"


def execute(filters: dict | None = None):
	filters = filters or {}
	period = filters.get("period") if filters.get("period") in metrics.PERIODS else DEFAULT_PERIOD
	rows = metrics.calls_to_sales(metrics.Scope.of_report(filters), period)
	currency = get_default_currency()
	for row in rows:
		row["currency"] = currency
	return columns(), rows, None, chart(rows)


def columns() -> list[dict]:
	money = {"fieldtype": "Currency", "options": "currency", "width": 140}
	return [
		{"fieldname": "agent", "label": _("Agent"), "fieldtype": "Link", "options": "User", "width": 200},
		{"fieldname": "period", "label": _("Period"), "fieldtype": "Date", "width": 110},
		{"fieldname": "calls", "label": _("Calls"), "fieldtype": "Int"},
		{"fieldname": "known_customers", "label": _("Calls with Known Customers"), "fieldtype": "Int"},
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int"},
		{"fieldname": "opportunity_value", "label": _("Opportunity Value"), **money},
		{"fieldname": "sales_orders", "label": _("Sales Orders"), "fieldtype": "Int"},
		{"fieldname": "sales_order_value", "label": _("Sales Order Value"), **money},
		# The values' currency code: Data, not a Link, as agents may not read the Currency doctype (the desk
		# checks every Link column of a report against the user's permissions).
		{"fieldname": "currency", "label": _("Currency"), "fieldtype": "Data", "hidden": 1},
	]


def chart(rows: list[dict]) -> dict:
	"""Sales order value per agent over the whole period."""
	by_agent: dict[str, float] = {}
	for row in rows:
		by_agent[row["agent"]] = by_agent.get(row["agent"], 0) + row["sales_order_value"]
	return {
		"type": "bar",
		"fieldtype": "Currency",
		"data": {
			"labels": list(by_agent),
			"datasets": [{"name": _("Sales Order Value"), "values": list(by_agent.values())}],
		},
	}
