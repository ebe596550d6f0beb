import frappe
from werkzeug.wrappers import Response

from telephony_crm.webhooks import handle_webhook


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
def receive() -> Response:
	"""Webhook endpoint for every provider: POST /api/method/telephony_crm.api.webhook.receive?provider=NAME

	GET answers only a provider's check of the URL (Zadarma's `zd_echo`)."""
	return handle_webhook(frappe.request)
