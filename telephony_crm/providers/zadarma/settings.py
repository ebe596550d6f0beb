"""Checking a Zadarma provider's settings when they are saved: the account's time zone, and its
credentials (providers.credentials) by one signed /v1/info/balance/ request."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import frappe
from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.credentials import api_status, credentials_changed, not_checked
from telephony_crm.providers.zadarma.api import ZadarmaApi, ZadarmaRefused

PROVIDER_TYPE = "Zadarma"
BALANCE_PATH = "/v1/info/balance/"
CREDENTIAL_FIELDS = ("zadarma_api_key", "zadarma_api_base")


def check_settings(doc) -> None:
	if doc.provider_type != PROVIDER_TYPE:
		return
	_check_time_zone(doc.zadarma_time_zone)
	check_credentials(doc)


def _check_time_zone(name: str | None) -> None:
	try:
		ZoneInfo(name or "")
	except (ValueError, ZoneInfoNotFoundError):
		frappe.throw(
			_("{0} is not a time zone: write a name such as Europe/Moscow").format(frappe.bold(name or "")),
			title=_("Account Time Zone"),
		)


def check_credentials(doc) -> None:
	if not credentials_changed(doc, "zadarma_api_secret", CREDENTIAL_FIELDS):
		return
	# The secret just typed in, or else the one stored.
	secret = doc.get_password("zadarma_api_secret", raise_exception=False)
	if not (doc.zadarma_api_key and secret):
		return
	try:
		ZadarmaApi(doc, secret).get(BALANCE_PATH, {}, retry_pauses=())
	except ZadarmaRefused as refusal:
		frappe.throw(
			_("{0} Copy the key and secret again from the Zadarma account (Settings → API).").format(refusal),
			title=_("Wrong credentials"),
		)
	except ProviderCommandError as error:
		not_checked(doc, error)
		return
	doc.api_status = api_status(_("credentials accepted by Zadarma"))
