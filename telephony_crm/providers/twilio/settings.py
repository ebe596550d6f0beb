"""Checking a Twilio provider's credentials when its settings are saved (providers.settings_checks): one
authenticated list of the account's calls."""

import frappe
from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.settings_checks import api_status, credentials_changed, not_checked
from telephony_crm.providers.twilio.api import TwilioApi, TwilioRefused

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
	try:
		TwilioApi(doc, token).request("GET", "Calls.json", params={"PageSize": 1}, retry_pauses=())
	except TwilioRefused as refusal:
		frappe.throw(
			_("{0} Copy the Account SID and Auth Token again from the Twilio Console.").format(refusal),
			title=_("Wrong credentials"),
		)
	except ProviderCommandError as error:
		not_checked(doc, error)
		return
	doc.api_status = api_status(_("credentials accepted by Twilio"))
