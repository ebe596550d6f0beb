"""How a number clicked or typed in the desk becomes the number a provider dials: the provider's dialling
rules, with the line's own where it has them, in one place for every call the app places.

In order: the number is cleaned; a number that starts with a forbidden prefix (as written, or in
E.164) is refused; one that matches a short-number pattern (`_XXX`, Asterisk's syntax) is dialled as it
is; a local number of the configured length gets the city prefix; the number is read in the provider's
region, classified (local, national, mobile, international) with `phonenumbers`, and refused if the
line may not call that way; an international number gets the exit prefix (`810`, or `+`); last, the
line's rewrite rule. Each step says what it did: a refusal names its rule, and the provider's *Test a
Number* shows the whole way.
"""

import re
from dataclasses import dataclass, field

import frappe
import phonenumbers
from frappe import _

from telephony_crm.caller_id.numbers import normalize_number, region_for_provider

LOCAL, NATIONAL, MOBILE, INTERNATIONAL, SHORT = "Local", "National", "Mobile", "International", "Short number"
# The line's check that allows each direction.
DIRECTION_FIELDS = {
	LOCAL: "allow_local",
	NATIONAL: "allow_national",
	MOBILE: "allow_mobile",
	INTERNATIONAL: "allow_international",
}
# What a line (SIP Account) adds to its provider's rules.
LINE_DIALLING_FIELDS = (
	*DIRECTION_FIELDS.values(),
	"dial_city_prefix",
	"outgoing_rewrite_pattern",
	"outgoing_rewrite_replacement",
)
PROVIDER_RULES = (
	"dial_city_prefix",
	"dial_local_length",
	"dial_exit_prefix",
	"dial_short_numbers",
	"dial_forbidden_prefixes",
	"default_region",
)
_SEPARATORS = re.compile(r"[\s\-().]")
_PATTERN_CHARACTERS = {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]", ".": "[0-9#*]+", "!": "[0-9#*]*"}


class DiallingRefused(frappe.ValidationError):
	pass


@dataclass
class Dialling:
	number: str  # what the provider dials
	direction: str | None = None
	steps: list[str] = field(default_factory=list)  # what each rule did


def plan_dialling(number: str, account) -> Dialling:
	"""The number `account` (a SIP Account's fields) dials for `number`; DiallingRefused naming the rule."""
	rules = frappe.get_cached_value(
		"Telephony Provider Settings", account.provider, PROVIDER_RULES, as_dict=True
	)
	plan = Dialling(_SEPARATORS.sub("", (number or "").strip()))
	if not re.search(r"\d", plan.number):
		raise DiallingRefused(_("{0} is not a phone number").format(frappe.bold(number or "")))
	forbidden = [p.strip() for p in (rules.dial_forbidden_prefixes or "").split(",") if p.strip()]
	_refuse_forbidden(plan.number, forbidden, account.provider)
	if short := next((p for p in _lines(rules.dial_short_numbers) if _matches(p, plan.number)), None):
		plan.direction = SHORT
		plan.steps.append(
			_("{0} matches the short-number pattern {1}: dialled as it is").format(plan.number, short)
		)
		return _rewritten(plan, account)
	city_prefix = account.get("dial_city_prefix") or rules.dial_city_prefix
	if city_prefix and plan.number.isdigit() and len(plan.number) == (rules.dial_local_length or 0):
		plan.steps.append(
			_("a local number of {0} digits: the city prefix {1} added").format(
				rules.dial_local_length, city_prefix
			)
		)
		plan.number = city_prefix + plan.number
	region = region_for_provider(account.provider)
	e164 = normalize_number(plan.number, region)
	if e164 and e164.startswith("+"):
		if e164 != plan.number:
			plan.steps.append(_("read in {0} as {1}").format(region or _("no region"), e164))
		plan.number = e164
		_refuse_forbidden(plan.number, forbidden, account.provider)
		plan.direction = _direction(e164, region, city_prefix)
		plan.steps.append(_("a {0} number").format(_(plan.direction).lower()))
		_refuse_direction(plan, account)
		exit_prefix = (rules.dial_exit_prefix or "").strip()
		if plan.direction == INTERNATIONAL and exit_prefix and exit_prefix != "+":
			plan.number = exit_prefix + plan.number[1:]
			plan.steps.append(_("the exit prefix {0} in place of +").format(exit_prefix))
	return _rewritten(plan, account)


def _refuse_forbidden(number: str, forbidden: list[str], provider: str) -> None:
	if prefix := next((p for p in forbidden if number.startswith(p)), None):
		raise DiallingRefused(
			_("{0} starts with {1}, which the dialling rules of {2} forbid").format(number, prefix, provider)
		)


def _refuse_direction(plan: Dialling, account) -> None:
	allowed = account.get(DIRECTION_FIELDS[plan.direction])
	if allowed is not None and not int(allowed):
		raise DiallingRefused(
			_("{0} is a {1} number, and line {2} may not call {1} numbers").format(
				plan.number, _(plan.direction).lower(), account.extension
			)
		)


def _direction(e164: str, region: str | None, city_prefix: str | None) -> str:
	parsed = phonenumbers.parse(e164)
	home = phonenumbers.country_code_for_region(region) if region else None
	if home and parsed.country_code != home:
		return INTERNATIONAL
	if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
		return MOBILE
	national = phonenumbers.national_significant_number(parsed)
	return LOCAL if city_prefix and national.startswith(city_prefix) else NATIONAL


def _rewritten(plan: Dialling, account) -> Dialling:
	if account.get("outgoing_rewrite_pattern"):
		rewritten = re.sub(
			account.outgoing_rewrite_pattern, account.outgoing_rewrite_replacement or "", plan.number, count=1
		)
		if rewritten != plan.number:
			plan.steps.append(_("the line's rewrite rule made it {0}").format(rewritten))
			plan.number = rewritten
	return plan


def _lines(text: str | None) -> list[str]:
	return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _matches(pattern: str, number: str) -> bool:
	"""An Asterisk-style pattern (`_8XXXXXXXXXX`, `_1[0-5]X`): X a digit, Z 1-9, N 2-9, [..] a range,
	`.` one or more characters; without the leading `_`, the number itself."""
	if not pattern.startswith("_"):
		return pattern == number
	regex = "".join(
		_PATTERN_CHARACTERS.get(ch, re.escape(ch)) if ch not in "[]-" else ch for ch in pattern[1:]
	)
	try:
		return re.fullmatch(regex, number) is not None
	except re.error:
		return False


def check_short_patterns(text: str | None) -> None:
	"""On save of the provider: each short-number pattern must read."""
	for pattern in _lines(text):
		if pattern.startswith("_") and not re.fullmatch(r"_[0-9XZN.!#*\[\]\-]+", pattern):
			frappe.throw(
				_("{0} is not a dialling pattern: use digits, X, Z, N, [1-5] and a final . after _").format(
					pattern
				)
			)
