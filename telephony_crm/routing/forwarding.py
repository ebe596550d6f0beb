"""Forward on no answer: the number a provider's ringing call goes to when nobody in the app can take it,
and how long the PBX rings a line before it gives up (the routing answer carries both)."""

import frappe
from frappe import _
from frappe.utils import cint, escape_html

from telephony_crm.caller_id.numbers import country_code, normalize_number, site_region

DEFAULT_DIAL_TIMEOUT = 15
# Under 5 s a line cannot be picked up; over 5 minutes the caller has long hung up.
MIN_DIAL_TIMEOUT = 5
MAX_DIAL_TIMEOUT = 300


def check_forward_settings(settings) -> None:
	"""Normalize the forward number to E.164 and keep the dial timeout within bounds; refuse otherwise."""
	if settings.forward_number:
		settings.forward_number = _dialable(settings.forward_number, settings.default_region)
	timeout = cint(settings.dial_timeout)
	if not MIN_DIAL_TIMEOUT <= timeout <= MAX_DIAL_TIMEOUT:
		frappe.throw(
			_("Dial Timeout must be between {0} and {1} seconds, not {2}").format(
				MIN_DIAL_TIMEOUT, MAX_DIAL_TIMEOUT, timeout
			),
			title=_("Forward on No Answer"),
		)


def dial_timeout(settings) -> int:
	return cint(settings.dial_timeout) or DEFAULT_DIAL_TIMEOUT


def _dialable(number: str, region: str | None) -> str:
	normalized = normalize_number(number, country_code(region) if region else site_region())
	# A fallback string of digits is no phone anyone can be forwarded to; E.164 is.
	if not normalized or not normalized.startswith("+"):
		frappe.throw(
			_(
				"Forward Number: {0} is not a phone number. Write it in full, with the country code"
				" (+7 495 123-45-67) or as it is dialled in the provider's region"
			).format(escape_html(number)),
			title=_("Forward on No Answer"),
		)
	return normalized
