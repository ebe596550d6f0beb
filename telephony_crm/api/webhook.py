import frappe
from werkzeug.wrappers import Response

from telephony_crm.webhooks import handle_webhook


@frappe.whitelist(allow_guest=True, methods=["POST"])
def receive() -> Response:
	"""Webhook endpoint for every provider: POST /api/method/telephony_crm.api.webhook.receive?provider=NAME"""
	return handle_webhook(frappe.request)
