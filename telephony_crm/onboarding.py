"""The Telephony workspace's onboarding (Module Onboarding "Telephony"): each step ticks itself off once
what it asks for exists, however it was made.

Frappe ticks a step only in the admin's browser, as they go through it from the workspace (after the
step's form is saved, or as its page opens). A provider added from its list, lines made by Automatic
Lines, roles given on the User form or a first call sent by the PBX would leave their steps open, so the
records' own hooks tick them here.
"""

import frappe

from telephony_crm.calls.store import CALL_DOCTYPE
from telephony_crm.roles import TELEPHONY_ROLES

STEP_DOCTYPE = "Onboarding Step"
CONNECT_PROVIDER = "Connect a Telephony Provider"
MAP_EXTENSIONS = "Map Extensions to Users"
GIVE_ROLES = "Give Telephony Roles"
TEST_CALL = "Make a Test Call"
_NOT_PEOPLE = ("Administrator", "Guest")


def _any(doctype: str, filters: dict | None = None) -> bool:
	return bool(frappe.get_all(doctype, filters=filters, limit=1, pluck="name"))


# What makes each step done.
DONE_WHEN = {
	CONNECT_PROVIDER: lambda: _any("Telephony Provider Settings"),
	MAP_EXTENSIONS: lambda: _any("SIP Account"),
	GIVE_ROLES: lambda: _any(
		"Has Role", {"parenttype": "User", "role": ("in", TELEPHONY_ROLES), "parent": ("not in", _NOT_PEOPLE)}
	),
	TEST_CALL: lambda: _any(CALL_DOCTYPE),
}


def tick_done_steps(doc=None, method=None) -> None:
	"""after_migrate, and the hooks of a provider's and a line's insert and a user's save: tick off each
	open step whose records exist. Once every step is done, one query."""
	open_steps = frappe.get_all(
		STEP_DOCTYPE, filters={"name": ("in", list(DONE_WHEN)), "is_complete": 0}, pluck="name"
	)
	for step in open_steps:
		if DONE_WHEN[step]():
			frappe.db.set_value(STEP_DOCTYPE, step, "is_complete", 1, update_modified=False)


def follow_first_call(call) -> None:
	"""Call follower: the first call of the site, from the emulator or a PBX, ticks off the test call."""
	if frappe.db.get_value(STEP_DOCTYPE, TEST_CALL, "is_complete") == 0:
		frappe.db.set_value(STEP_DOCTYPE, TEST_CALL, "is_complete", 1, update_modified=False)
