"""Checking a Twilio provider's credentials when its settings are saved (providers.settings_checks): one
authenticated list of the account's calls."""

from frappe import _

from telephony_crm.providers.settings_checks import credentials_changed, probe_credentials
from telephony_crm.providers.twilio.api import TwilioApi

PROVIDER_TYPE = "Twilio"
CREDENTIAL_FIELDS = ("twilio_account_sid", "twilio_api_base")


def check_settings(doc) -> None:
	if doc.provider_type != PROVIDER_TYPE or not credentials_changed(
		doc, "twilio_auth_token", CREDENTIAL_FIELDS
	):
		return
	token = doc.get_password("twilio_auth_token", raise_exception=False)
	if not (doc.twilio_account_sid and token):
		return
	probe_credentials(
		doc,
		lambda: TwilioApi(doc, token).request("GET", "Calls.json", params={"PageSize": 1}, retry_pauses=()),
		_("Copy the Account SID and Auth Token again from the Twilio Console."),
		_("credentials accepted by Twilio"),
	)
