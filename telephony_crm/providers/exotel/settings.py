"""Checking an Exotel provider's settings when they are saved: the account's time zone, and its
credentials (providers.settings_checks) by one GET of the account."""

from frappe import _

from telephony_crm.providers.exotel.api import ExotelApi
from telephony_crm.providers.settings_checks import check_time_zone, credentials_changed, probe_credentials

PROVIDER_TYPE = "Exotel"
CREDENTIAL_FIELDS = ("exotel_account_sid", "exotel_api_key", "exotel_api_base")


def check_settings(doc) -> None:
	if doc.provider_type != PROVIDER_TYPE:
		return
	check_time_zone(doc.exotel_time_zone, _("Account Time Zone"))
	if not credentials_changed(doc, "exotel_api_token", CREDENTIAL_FIELDS):
		return
	token = doc.get_password("exotel_api_token", raise_exception=False)
	if not (doc.exotel_account_sid and doc.exotel_api_key and token):
		return
	probe_credentials(
		doc,
		lambda: ExotelApi(doc, token).request("GET", "", retry_pauses=()),
		_("Copy the SID, API key and token again from Exotel's dashboard (Settings → API)."),
		_("credentials accepted by Exotel"),
	)
