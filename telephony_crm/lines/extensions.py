"""The next free extension of a provider's range, one at a time per provider.

Two users saved at once must never get the same extension, and a line made by hand meanwhile must not
be given twice either: the allocation holds the provider's row lock until its transaction ends, and
reads the extensions taken with a locking read, which sees what other transactions committed (a plain
read would see the transaction's snapshot, taken before them)."""

import frappe
from frappe import _

from telephony_crm.lines.settings import AutoLines
from telephony_crm.providers import SETTINGS_DOCTYPE


class NoFreeExtension(frappe.ValidationError):
	"""Every extension of the range is some line's (enabled or not)."""


def lock_provider(provider: str) -> None:
	"""Hold the provider's row until the transaction ends: one allocation at a time on it."""
	frappe.db.sql(f"select name from `tab{SETTINGS_DOCTYPE}` where name = %s for update", provider)


def next_free_extension(lines: AutoLines) -> str:
	"""The lowest extension of the range that no line of the provider has; call with the provider
	locked (lock_provider). NoFreeExtension when the range is full."""
	taken = set(
		frappe.db.sql_list(
			"select extension from `tabSIP Account` where provider = %s for update", lines.provider
		)
	)
	for number in range(lines.first, lines.last + 1):
		if str(number) not in taken:
			return str(number)
	raise NoFreeExtension(
		_(
			"No free extension is left in {0} of {1}: every one is a line's, enabled or disabled. Widen the range, or delete the lines of people who have left."
		).format(lines.range_label, lines.provider)
	)
