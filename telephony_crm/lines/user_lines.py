"""A user's automatic lines follow their roles: made when they gain a provider's role, disabled when they
lose it or their user is disabled, enabled again when they are back."""

import secrets

import frappe

from telephony_crm.lines.extensions import lock_provider, next_free_extension
from telephony_crm.lines.settings import AutoLines, auto_line_providers, auto_lines_of

# 24 random bytes: 32 URL-safe characters, far past what a SIP password guesser can try.
PASSWORD_BYTES = 24


def sync_user_lines(doc, method=None) -> None:
	"""User on_update: give, disable or enable again the user's automatic lines."""
	for lines in auto_line_providers():
		sync_line(doc.name, lines)


def sync_line(user: str, lines: AutoLines) -> None:
	wanted = user_wants_line(user, lines)
	line = frappe.db.get_value(
		"SIP Account",
		{"user": user, "provider": lines.provider, "auto_line": 1},
		["name", "enabled", "auto_disabled"],
		as_dict=True,
	)
	if wanted and not line:
		create_line(user, lines)
	elif wanted and line.auto_disabled:
		set_line_enabled(line.name, True)
	elif not wanted and line and line.enabled:
		set_line_enabled(line.name, False)


def user_wants_line(user: str, lines: AutoLines) -> bool:
	if user in ("Administrator", "Guest") or not frappe.db.get_value("User", user, "enabled"):
		return False
	return bool(lines.roles & set(frappe.get_roles(user)))


def create_line(user: str, lines: AutoLines) -> str:
	lock_provider(lines.provider)
	extension = next_free_extension(lines)
	doc = frappe.get_doc(
		{
			"doctype": "SIP Account",
			"user": user,
			"provider": lines.provider,
			"extension": extension,
			"enabled": 1,
			"accept_incoming": 1,
			"sip_login": lines.login(extension),
			"sip_password": secrets.token_urlsafe(PASSWORD_BYTES),
			"auto_line": 1,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def set_line_enabled(name: str, enabled: bool) -> None:
	"""Through the document, so the line's own checks and hooks run; auto_disabled marks a line this
	module disabled, so a line an admin disabled by hand stays disabled when the user is back."""
	doc = frappe.get_doc("SIP Account", name)
	doc.enabled = int(enabled)
	doc.auto_disabled = int(not enabled)
	doc.save(ignore_permissions=True)


def apply_to_existing_users(provider: str) -> None:
	"""On save of a provider: the users who already have its roles get their lines too."""
	lines = auto_lines_of(provider)
	if not lines:
		return
	for user in users_with_roles(lines):
		sync_line(user, lines)


def users_without_line(provider: str) -> list[str]:
	"""Enabled users with one of the provider's roles and no enabled line there."""
	lines = auto_lines_of(provider)
	if not lines:
		return []
	with_line = set(frappe.get_all("SIP Account", {"provider": provider, "enabled": 1}, pluck="user"))
	return sorted(u for u in users_with_roles(lines) if u not in with_line and user_wants_line(u, lines))


def users_with_roles(lines: AutoLines) -> list[str]:
	return frappe.get_all(
		"Has Role",
		{"parenttype": "User", "role": ("in", list(lines.roles))},
		pluck="parent",
		distinct=True,
	)
