"""A provider's Automatic Lines: which roles get a line there, from which extensions, with which login."""

from dataclasses import dataclass

import frappe
from frappe import _

from telephony_crm.providers import SETTINGS_DOCTYPE

EXTENSION_PLACEHOLDER = "{extension}"
# A range an office can number its people from; more is a typo (101-1999 for 101-199).
MAX_RANGE_SIZE = 100_000


@dataclass(frozen=True)
class AutoLines:
	provider: str
	roles: frozenset[str]
	first: int
	last: int
	login_template: str = EXTENSION_PLACEHOLDER

	@property
	def range_label(self) -> str:
		return f"{self.first}–{self.last}"

	def login(self, extension: str) -> str:
		return self.login_template.replace(EXTENSION_PLACEHOLDER, extension)


def auto_lines_of(provider: str) -> AutoLines | None:
	"""The provider's Automatic Lines; None when it is disabled or names no role (the feature is off)."""
	return next((lines for lines in auto_line_providers() if lines.provider == provider), None)


def auto_line_providers() -> list[AutoLines]:
	"""Every enabled provider that gives lines to roles."""
	roles = frappe.get_all(
		"Telephony Line Role",
		{"parenttype": SETTINGS_DOCTYPE, "parentfield": "auto_line_roles"},
		["parent", "role"],
	)
	if not roles:
		return []
	by_provider: dict[str, set[str]] = {}
	for row in roles:
		by_provider.setdefault(row.parent, set()).add(row.role)
	providers = frappe.get_all(
		SETTINGS_DOCTYPE,
		{"name": ("in", list(by_provider)), "enabled": 1},
		["name", "auto_line_first_extension", "auto_line_last_extension", "auto_line_login_template"],
		order_by="name",
	)
	return [
		AutoLines(
			provider=p.name,
			roles=frozenset(by_provider[p.name]),
			first=p.auto_line_first_extension,
			last=p.auto_line_last_extension,
			login_template=(p.auto_line_login_template or "").strip() or EXTENSION_PLACEHOLDER,
		)
		for p in providers
	]


def check_auto_line_settings(doc) -> None:
	"""On save of a provider: roles need a range to number their lines from, and a login per line."""
	if not doc.get("auto_line_roles"):
		return
	first, last = doc.auto_line_first_extension or 0, doc.auto_line_last_extension or 0
	if not 0 < first <= last:
		frappe.throw(
			_(
				"Automatic Lines need a range of extensions: a First Extension of 1 or more, and a Last Extension no lower than it"
			)
		)
	if last - first >= MAX_RANGE_SIZE:
		frappe.throw(
			_("The range {0}–{1} holds more than {2} extensions: check the First and Last Extension").format(
				first, last, MAX_RANGE_SIZE
			)
		)
	template = (doc.auto_line_login_template or "").strip()
	if template and EXTENSION_PLACEHOLDER not in template:
		frappe.throw(
			_("The Login of Automatic Lines must contain {0}, so that each line gets its own").format(
				EXTENSION_PLACEHOLDER
			)
		)
