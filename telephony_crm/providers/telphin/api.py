"""Desk endpoints of the Telphin provider."""

import frappe
from frappe import _

from telephony_crm.providers.telphin import connect as connection


@frappe.whitelist(methods=["POST"])
def connect(provider: str) -> str:
	"""POST /api/method/telephony_crm.providers.telphin.api.connect {provider}: subscribe the app's
	event URL on the account's extensions, in the background; the outcome shows in API Status."""
	doc = frappe.get_doc(connection.SETTINGS_DOCTYPE, provider)
	doc.check_permission("write")
	if doc.provider_type != connection.PROVIDER_TYPE:
		frappe.throw(_("{0} is not a Telphin provider").format(provider))
	doc.db_set("api_status", _("Connecting..."), update_modified=False)
	connection.enqueue(connection.connect, doc.name)
	return _("Connecting {0}: the result will show in API Status").format(doc.name)
