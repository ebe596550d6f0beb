"""The call-back number is read at the numbers' level now, and masked users may not filter by it: the
ToDo list and report settings users saved with the workspace's old call-back filter
(`telephony_callback_number is set`) filter by the missed calls instead; other filters and sorts by the
number go (a masked user's list would be refused at every load)."""

import json

import frappe
from frappe.model.utils.user_settings import sync_user_settings

from telephony_crm.callbacks.fields import COUNT_FIELD, NUMBER_FIELD, TODO


def execute():
	# Settings changed in the desk wait in the cache until synced: sync them first, then drop the cache.
	sync_user_settings()
	for user, data in frappe.db.sql(
		"select `user`, `data` from `__UserSettings` where `doctype` = %s and `data` like %s",
		(TODO, f"%{NUMBER_FIELD}%"),
	):
		settings = json.loads(data)
		for view in settings.values():
			if isinstance(view, dict):
				_without_the_number(view)
		frappe.db.sql(
			"update `__UserSettings` set `data` = %s where `user` = %s and `doctype` = %s",
			(json.dumps(settings), user, TODO),
		)
	frappe.cache.delete_value("_user_settings")


def _without_the_number(view: dict) -> None:
	filters = []
	for row in view.get("filters") or []:
		if not isinstance(row, list) or NUMBER_FIELD not in row[:2]:
			filters.append(row)
		elif row[2:4] == ["is", "set"]:
			filters.append([TODO, COUNT_FIELD, ">", 0, *row[4:]])
	if "filters" in view:
		view["filters"] = filters
	if NUMBER_FIELD in str(view.get("sort_by")):
		view.pop("sort_by")
		view.pop("sort_order", None)
