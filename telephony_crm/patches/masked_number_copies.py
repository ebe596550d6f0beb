"""Number masking: the masked copies of existing calls' numbers, and the numbers' permission level on
sites whose call permissions were edited (Custom DocPerms, where the standard rows do not apply)."""

import frappe

from telephony_crm.masking import DEFAULT_DIGITS, SETTINGS
from telephony_crm.masking.copies import remask_all_calls
from telephony_crm.masking.format import MASK_FIRST
from telephony_crm.masking.viewers import add_number_level_perms


def execute():
	# The settings' defaults, which a single doctype's new fields do not get on an existing site.
	if not frappe.db.get_single_value(SETTINGS, "number_masking_mode"):
		frappe.db.set_single_value(
			SETTINGS, {"number_masking_mode": MASK_FIRST, "masked_digits": DEFAULT_DIGITS}
		)
	add_number_level_perms()
	remask_all_calls()
