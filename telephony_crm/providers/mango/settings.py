"""Checking a Mango Office provider's credentials when its settings are saved (providers.settings_checks):
one signed config/users/request."""

import frappe
from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.mango.api import MangoApi, MangoRefused
from telephony_crm.providers.settings_checks import api_status, credentials_changed, not_checked

PROVIDER_TYPE = "Mango Office"
CREDENTIAL_FIELDS = ("mango_api_key", "mango_api_base")


def check_credentials(doc) -> None:
	if doc.provider_type != PROVIDER_TYPE or not credentials_changed(
		doc, "mango_api_salt", CREDENTIAL_FIELDS
	):
		return
	# The salt just typed in, or else the one stored.
	salt = doc.get_password("mango_api_salt", raise_exception=False)
	if not (doc.mango_api_key and salt):
		return
	try:
		MangoApi(doc, salt).post("config/users/request", {}, retry_pauses=())
	except ProviderCommandError as error:
		if isinstance(error, MangoRefused) and error.credentials_refused:
			frappe.throw(
				_(
					"Mango Office refused the API key or salt (code {0}). Copy both again from the API connector in the Mango LK."
				).format(error.code),
				title=_("Wrong credentials"),
			)
		not_checked(doc, error)
		return
	doc.api_status = api_status(_("credentials accepted by Mango Office"))
