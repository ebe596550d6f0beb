"""Reading phone numbers the way people write them."""

import re

import frappe
import phonenumbers

# Fewer digits than this is an extension or a service number, never a customer's phone.
MIN_EXTERNAL_DIGITS = 7
# E.164 numbers have at most 15 digits; a longer string of digits is nobody's phone.
MAX_DIGITS = 15

_NON_DIGITS = re.compile(r"\D")
_LETTERS = re.compile(r"[^\W\d_]")


def normalize_number(number: str | None, region: str | None = None) -> str | None:
	"""The key a number is indexed and looked up by: E.164 where it parses, else its digits.

	`8 (916) 123-45-67`, `+7 916 1234567` and `9161234567` read in region RU all give `+79161234567`.
	Internal numbers (extensions, `1234*101`), names (`anonymous`, `sip:alice@example.com`) and strings
	of digits too long for a phone number give None: such a caller is logged, not identified.
	"""
	if not number or is_internal_number(number) or _LETTERS.search(number):
		return None
	number = number.strip()
	try:
		parsed = phonenumbers.parse(number, (region or "").upper() or None)
	except phonenumbers.NumberParseException:
		parsed = None
	if parsed and phonenumbers.is_possible_number(parsed):
		return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
	digits = _NON_DIGITS.sub("", number)
	return digits if len(digits) <= MAX_DIGITS else None


def is_extension(number: str) -> bool:
	"""A PBX's own short number (`101`), as opposed to a caller's phone or a name."""
	return number.isdigit() and len(number) < MIN_EXTERNAL_DIGITS


def is_internal_number(number: str) -> bool:
	if "*" in number or "@" in number:
		return True
	return len(_NON_DIGITS.sub("", number)) < MIN_EXTERNAL_DIGITS


def site_region() -> str | None:
	country = frappe.db.get_single_value(
		"Telephony Settings", "default_region"
	) or frappe.db.get_single_value("System Settings", "country")
	return country_code(country)


def region_for_provider(provider: str | None) -> str | None:
	country = provider and frappe.get_cached_value("Telephony Provider Settings", provider, "default_region")
	return country_code(country) if country else site_region()


def country_code(country: str | None) -> str | None:
	code = country and frappe.get_cached_value("Country", country, "code")
	return code.upper() if code else None
