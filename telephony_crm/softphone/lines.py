"""Browser lines: a user's SIP Account with *Calls in the Browser*, and what the desk registers it with.

The SIP password leaves the server only here, to the line's owner (api.softphone.line_credentials)."""

from urllib.parse import urlsplit

import frappe
from frappe import _

from telephony_crm.providers import SETTINGS_DOCTYPE
from telephony_crm.softphone.settings import ice_servers

LINE_FIELDS = ("name", "user", "provider", "extension", "enabled", "browser_calls", "sip_login", "sip_domain")


def browser_line_of(user: str):
	"""The user's enabled browser line on an enabled provider that has a WebSocket URL, or None."""
	lines = frappe.get_all(
		"SIP Account",
		filters={"user": user, "enabled": 1, "browser_calls": 1},
		fields=LINE_FIELDS,
		order_by="creation asc",
	)
	return next((line for line in lines if _websocket_url(line.provider)), None)


def line_config(line: str | None, user: str) -> dict:
	"""What the desk of `user` registers `line` (their browser line when None) with, SIP password
	included; PermissionError or DoesNotExistError with the reason for anyone or anything else."""
	account = _owned_line(line, user) if line else browser_line_of(user)
	if not account:
		frappe.throw(
			_("You have no enabled line with Calls in the Browser on a provider with a WebSocket URL"),
			frappe.DoesNotExistError,
			title=_("No browser line"),
		)
	websocket_url = _websocket_url(account.provider)
	if not websocket_url:
		frappe.throw(
			_("{0} has no WebSocket URL for browser calls (Browser Calls on the provider)").format(
				account.provider
			),
			frappe.DoesNotExistError,
			title=_("No browser line"),
		)
	provider = frappe.get_doc(SETTINGS_DOCTYPE, account.provider)
	login = account.sip_login or account.extension
	domain = account.sip_domain or urlsplit(websocket_url).hostname
	return {
		"line": account.name,
		"provider": account.provider,
		"extension": account.extension,
		"websocket_url": websocket_url,
		"sip_uri": f"sip:{login}@{domain}",
		"authorization_user": login,
		"password": frappe.get_doc("SIP Account", account.name).get_password(
			"sip_password", raise_exception=False
		)
		or "",
		"domain": domain,
		"display_name": frappe.utils.get_fullname(user),
		"ice_servers": ice_servers(provider),
	}


def _owned_line(line: str, user: str):
	account = frappe.db.get_value("SIP Account", line, LINE_FIELDS, as_dict=True)
	if not account:
		frappe.throw(_("There is no line {0}").format(line), frappe.DoesNotExistError)
	# Only the owner, whoever else may read SIP Accounts: a supervisor reads lines, never their passwords.
	if account.user != user:
		frappe.throw(_("Line {0} is not yours").format(account.extension), frappe.PermissionError)
	if not account.enabled:
		frappe.throw(_("Line {0} is disabled").format(account.extension), frappe.PermissionError)
	if not account.browser_calls:
		frappe.throw(
			_("Line {0} does not take calls in the browser").format(account.extension), frappe.PermissionError
		)
	return account


def _websocket_url(provider: str) -> str | None:
	settings = frappe.db.get_value(
		SETTINGS_DOCTYPE, provider, ["enabled", "browser_websocket_url"], as_dict=True
	)
	return settings.browser_websocket_url if settings and settings.enabled else None
