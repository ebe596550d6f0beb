"""How a masked number reads: the country code kept, then the national number in its usual groups with
the first or last digits as `*` (`+7 *** ***-45-67`), or nothing at all."""

import phonenumbers

from telephony_crm.caller_id.numbers import MIN_EXTERNAL_DIGITS

HIDE = "Hide"
MASK_FIRST = "Mask First Digits"
MASK_LAST = "Mask Last Digits"
MASK_CHAR = "*"


def mask_number(number: str | None, mode: str, digits: int, region: str | None = None) -> str | None:
	"""`number` as a masked user sees it (`mode` and `digits` as in Telephony Settings); a national
	number is read in `region` (ISO code) to find its country code.

	Extensions and short service numbers (fewer than 7 digits, as the caller index reads them) are the
	PBX's own, no one's phone: they stay as they are."""
	if not number or _is_short(number):
		return number
	if mode == HIDE:
		return ""
	country_code, national = _split(number, region)
	return country_code + _mask_digits(national, digits, first=mode == MASK_FIRST)


def _is_short(number: str) -> bool:
	return "@" not in number and sum(char.isdigit() for char in number) < MIN_EXTERNAL_DIGITS


def _split(number: str, region: str | None) -> tuple[str, str]:
	"""The country code (`+7`) and the rest, in international format, where the number parses."""
	try:
		parsed = phonenumbers.parse(number, (region or "").upper() or None)
	except phonenumbers.NumberParseException:
		return "", number
	if not phonenumbers.is_possible_number(parsed):
		return "", number
	formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
	prefix = f"+{parsed.country_code}"
	if not formatted.startswith(prefix):
		return "", number
	return prefix, formatted[len(prefix) :]


def _mask_digits(text: str, count: int, first: bool) -> str:
	"""`text` with its first (or last) `count` digits as MASK_CHAR, its other characters kept."""
	total = sum(char.isdigit() for char in text)
	masked_positions = range(0, count) if first else range(total - count, total)
	seen = 0
	result = []
	for char in text:
		if char.isdigit():
			result.append(MASK_CHAR if seen in masked_positions else char)
			seen += 1
		else:
			result.append(char)
	return "".join(result)
