"""Requests through Frappe's real WSGI application, each in its own thread, connection and transaction."""

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import get_test_client

WEBHOOK_PATH = "/api/method/telephony_crm.api.webhook.receive"

_client = get_test_client()


def post_webhook(
	provider: str | None, payload=None, token: str | None = None, header_token: str | None = None, **kwargs
):
	query = {}
	if provider is not None:
		query["provider"] = provider
	if token is not None:
		query["token"] = token
	headers = {"X-Telephony-Token": header_token} if header_token else {}
	return make_request(
		target=_client.post,
		args=(WEBHOOK_PATH,),
		kwargs={"query_string": query, "json": payload, "headers": headers, **kwargs},
	)


def request(method: str, path: str, headers: dict | None = None, **kwargs):
	return make_request(
		target=getattr(_client, method), args=(path,), kwargs={"headers": headers or {}, **kwargs}
	)


def api_headers(user: str) -> dict:
	"""Token authentication for `user` (a fresh API secret), as a REST client would send it."""
	doc = frappe.get_doc("User", user)
	secret = frappe.generate_hash(length=15)
	doc.api_key = doc.api_key or frappe.generate_hash(length=15)
	doc.api_secret = secret
	doc.save(ignore_permissions=True)
	return {"Authorization": f"token {doc.api_key}:{secret}"}
