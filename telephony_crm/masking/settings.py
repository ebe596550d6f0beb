"""Telephony Settings → Number Masking saved: who is masked, and how masked numbers read."""

import frappe
from frappe import _

from telephony_crm.masking.copies import queue_remask
from telephony_crm.masking.format import HIDE
from telephony_crm.masking.viewers import sync_all_users

_FORMAT_FIELDS = ("number_masking_mode", "masked_digits")


def validate_masking(doc, method=None) -> None:
	"""Telephony Settings validate: a masking that masks, where roles are masked."""
	if (
		doc.get("masked_roles")
		and doc.get("number_masking_mode") != HIDE
		and (doc.get("masked_digits") or 0) < 1
	):
		frappe.throw(_("Masked Digits must be at least 1"), title=_("Number Masking"))


def apply_masking(doc, method=None) -> None:
	"""Telephony Settings on_update: users gain or lose the numbers as the masked roles changed; stored
	masked copies (and call-backs' descriptions) are rewritten when the masking changed."""
	before = doc.get_doc_before_save()
	roles = {row.role for row in doc.get("masked_roles") or ()}
	roles_changed = before is None or roles != {row.role for row in before.get("masked_roles") or ()}
	if roles_changed:
		sync_all_users()
	# Call-backs' descriptions are masked while any role is: they follow the roles too.
	if roles_changed or any(doc.get(field) != before.get(field) for field in _FORMAT_FIELDS):
		queue_remask()
