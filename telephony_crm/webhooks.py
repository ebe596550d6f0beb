"""The webhook gateway: one path for every provider's webhook, from raw request to committed events."""

import json
import time

import frappe
from frappe import _
from werkzeug.wrappers import Request, Response

from telephony_crm.calls.engine import MissingDirectionError
from telephony_crm.calls.intake import CallBusyError, commit_event
from telephony_crm.providers import get_provider
from telephony_crm.providers.base import WebhookRefused
from telephony_crm.request_log import log_request

MAX_BODY_BYTES = 64 * 1024


def handle_webhook(request: Request) -> Response:
	"""Authenticate, parse and record a provider's webhook. A refused request changes no call."""
	started = time.monotonic()
	provider_name = request.args.get("provider")
	body = None
	try:
		if len(request.get_data(cache=True)) > MAX_BODY_BYTES:
			raise WebhookRefused(413, _("The body is larger than {0} KB").format(MAX_BODY_BYTES // 1024))
		body = _body_for_log(request)
		provider = get_provider(provider_name)
		provider.authenticate_webhook(request)
		events = provider.parse_webhook(request)
		status_code, answer = 200, provider.webhook_response([commit_event(event) for event in events])
	except WebhookRefused as refusal:
		status_code, answer = refusal.status_code, refusal.as_body()
	except MissingDirectionError as error:
		status_code, answer = 422, {"error": str(error), "field": "direction"}
	except CallBusyError as error:
		status_code, answer = 503, {"error": str(error)}
	frappe.local.message_log = []

	log_request(
		direction="Incoming",
		provider=provider_name,
		method=request.method,
		url=request.url,
		status_code=status_code,
		headers=dict(request.headers),
		body=body,
		response=answer,
		error=answer.get("error"),
		duration_ms=round((time.monotonic() - started) * 1000, 2),
	)
	return Response(json.dumps(answer), status=status_code, mimetype="application/json")


def _body_for_log(request: Request):
	if request.is_json:
		return request.get_json(silent=True)
	return request.form.to_dict()
