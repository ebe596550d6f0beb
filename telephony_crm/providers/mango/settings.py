"""Checking a Mango Office provider's credentials when its settings are saved.

Called from the settings controller's validate. One signed config/users/request, only when the key,
the salt or the API base changed: credentials Mango refuses stop the save with its reason; an API that
cannot be reached does not (the record may be set up before the network is), and says so in the status.
"""

import frappe
from frappe import _
from frappe.utils import format_datetime, now_datetime

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.mango.api import MangoApi, MangoRefused

PROVIDER_TYPE = "Mango Office"
CREDENTIAL_FIELDS = ("mango_api_key", "mango_api_base")


def check_credentials(doc) -> None:
	if doc.provider_type != PROVIDER_TYPE or not _changed(doc):
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
		doc.api_status = _status(_("not checked: {0}").format(error))
		frappe.msgprint(doc.api_status, indicator="orange", alert=True)
		return
	doc.api_status = _status(_("credentials accepted by Mango Office"))


def _changed(doc) -> bool:
	# A saved Password field comes back as asterisks; anything else was just typed in.
	typed = doc.mango_api_salt
	return bool(typed and not doc.is_dummy_password(typed)) or any(
		doc.has_value_changed(field) for field in CREDENTIAL_FIELDS
	)


def _status(text: str) -> str:
	return f"{format_datetime(now_datetime())}: {text}"
