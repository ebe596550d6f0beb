"""Number masking by role (Telephony Settings → Number Masking): users with one of the masked roles see
callers' numbers masked, or not at all, wherever the app shows them; the server dials the real number
for them by reference to the record (api.calls.place_call_from_record).

Forms, lists, reports, REST and exports of calls hide the raw numbers by permission level
(NUMBER_PERMLEVEL, read through the app-managed NUMBER_VIEWER_ROLE, see viewers.py) and show their
masked copies, stored beside them (copies.py). The app's own payloads (popups, realtime, the Agents
view, script reports) ask `number_for_user`.
"""

import frappe

from telephony_crm.caller_id.numbers import region_for_provider
from telephony_crm.masking.format import MASK_FIRST, mask_number

SETTINGS = "Telephony Settings"
MASKED_ROLE_DOCTYPE = "Telephony Masked Role"
# Raw number fields of a call, and the masked copies beside them (permlevel 0).
MASKED_COPIES = {
	"external_number": "external_number_display",
	"caller_number": "caller_number_display",
	"called_number": "called_number_display",
}
# The level the raw numbers are read at: level 1 holds the recordings' URLs, which only System
# Managers read.
NUMBER_PERMLEVEL = 2
DEFAULT_DIGITS = 6
# Who always sees numbers: they may change the masking itself.
_NEVER_MASKED = {"System Manager"}


def masked_roles() -> frozenset[str]:
	# Read from the table, not the cached settings: their own on_update asks while the cache is old.
	return frozenset(
		frappe.get_all(MASKED_ROLE_DOCTYPE, {"parenttype": SETTINGS, "parent": SETTINGS}, pluck="role")
	)


def masks_numbers(user: str | None = None) -> bool:
	"""Whether `user` (the session's by default) sees numbers masked: they have a masked role (whatever
	their other roles) and are no System Manager."""
	user = user or frappe.session.user
	if user == "Administrator":
		return False
	roles = set(frappe.get_roles(user))
	return bool(roles & masked_roles()) and not roles & _NEVER_MASKED


def masked_number(number: str | None, region: str | None = None) -> str | None:
	"""`number` masked as Telephony Settings say, for anyone; `region` reads a national number."""
	settings = frappe.get_cached_doc(SETTINGS)
	return mask_number(
		number,
		settings.get("number_masking_mode") or MASK_FIRST,
		settings.get("masked_digits") or DEFAULT_DIGITS,
		region,
	)


def number_for_user(number: str | None, user: str | None = None, region: str | None = None) -> str | None:
	"""`number` as `user` may see it: itself, or masked. For script reports and the app's payloads."""
	return masked_number(number, region) if masks_numbers(user) else number


def shared_number(number: str | None) -> str | None:
	"""`number` for a text every reader shares (a call-back's description): masked while any role is."""
	return masked_number(number) if masked_roles() else number


def call_for_user(row: dict, user: str | None = None) -> dict:
	"""A call's row (a popup summary, the Agents view's calls) with its numbers as `user` may see them:
	a masked user gets the stored masked copies in place of the numbers (and not the copies' fields)."""
	row = frappe._dict(row)
	masked = masks_numbers(user)
	for raw, copy in MASKED_COPIES.items():
		if raw not in row and copy not in row:
			continue
		value = row.pop(copy, None)
		if masked:
			row[raw] = value if value is not None else masked_number(row.get(raw), _region(row))
	row["numbers_masked"] = masked
	return row


def _region(row: dict) -> str | None:
	return region_for_provider(row.get("provider")) if row.get("provider") else None
