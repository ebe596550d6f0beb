"""Checks of a cloud provider's settings when they are saved (called from the settings controller's
validate). Credentials are checked only when they changed; credentials the provider refuses stop the
save with its reason, an API that cannot be reached does not (the record may be set up before the
network is) and says so in the record's API status."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import frappe
from frappe import _
from frappe.utils import escape_html, format_datetime, now_datetime

from telephony_crm.providers.base import ProviderCommandError, ProviderRefused


def credentials_changed(doc, password_field: str, fields: tuple[str, ...]) -> bool:
	# A saved Password field comes back as asterisks; anything else was just typed in.
	typed = doc.get(password_field)
	return bool(typed and not doc.is_dummy_password(typed)) or any(doc.has_value_changed(f) for f in fields)


def api_status(text: str) -> str:
	return f"{format_datetime(now_datetime())}: {text}"


def not_checked(doc, error: Exception) -> None:
	doc.api_status = api_status(_("not checked: {0}").format(error))
	frappe.msgprint(doc.api_status, indicator="orange", alert=True)


def check_time_zone(name: str | None, label: str) -> None:
	"""The time zone a provider writes its times in (Zadarma's, Exotel's account setting)."""
	try:
		ZoneInfo(name or "")
	except (ValueError, ZoneInfoNotFoundError):
		frappe.throw(
			_("{0} is not a time zone: write a name such as Europe/Moscow").format(frappe.bold(name or "")),
			title=label,
		)


def probe_credentials(doc, probe, hint: str, accepted: str) -> None:
	"""Run `probe`, one request with the credentials being saved: a refusal stops the save with the
	provider's words and `hint` (where to copy them from); an API that cannot be reached does not."""
	try:
		probe()
	except ProviderRefused as refusal:
		# Both parts are translated where they are made; the provider's words inside are shown as text.
		frappe.throw(f"{escape_html(str(refusal))} {hint}", title=_("Wrong credentials"))
	except ProviderCommandError as error:
		not_checked(doc, error)
		return
	doc.api_status = api_status(accepted)
