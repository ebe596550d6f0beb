"""Checking a Zadarma provider's settings when they are saved: the account's time zone, and its
credentials (providers.settings_checks) by one signed /v1/info/balance/ request."""

from frappe import _

from telephony_crm.providers.settings_checks import check_time_zone, credentials_changed, probe_credentials
from telephony_crm.providers.zadarma.api import ZadarmaApi

PROVIDER_TYPE = "Zadarma"
BALANCE_PATH = "/v1/info/balance/"
CREDENTIAL_FIELDS = ("zadarma_api_key", "zadarma_api_base")


def check_settings(doc) -> None:
	if doc.provider_type != PROVIDER_TYPE:
		return
	check_time_zone(doc.zadarma_time_zone, _("Account Time Zone"))
	check_credentials(doc)


def check_credentials(doc) -> None:
	if not credentials_changed(doc, "zadarma_api_secret", CREDENTIAL_FIELDS):
		return
	# The secret just typed in, or else the one stored.
	secret = doc.get_password("zadarma_api_secret", raise_exception=False)
	if not (doc.zadarma_api_key and secret):
		return
	probe_credentials(
		doc,
		lambda: ZadarmaApi(doc, secret).get(BALANCE_PATH, {}, retry_pauses=()),
		_("Copy the key and secret again from the Zadarma account (Settings → API)."),
		_("credentials accepted by Zadarma"),
	)
