"""The webhook gateway: one path for every provider's webhook, from raw request to committed events.

In order: the size and rate limits, the provider and its secret, and only then the body is read, parsed
and logged. A refused request changes no call; every answer is JSON with a message a person can read,
and no valid event ends as a 5xx: an engine error is kept in the Error Log and the request log.
"""

import json
import time

import frappe
from frappe import _
from werkzeug.wrappers import Request, Response

from telephony_crm.calls.intake import CallBusyError, commit_event
from telephony_crm.calls.validation import InvalidCallEvent
from telephony_crm.providers import get_provider
from telephony_crm.providers.base import WebhookRefused
from telephony_crm.request_log import log_request
from telephony_crm.webhook_rate import check_rate, client_address

MAX_BODY_BYTES = 64 * 1024


def handle_webhook(request: Request) -> Response:
	"""Authenticate, parse and record a provider's webhook."""
	started = time.monotonic()
	provider_name = request.args.get("provider")
	body = None
	authenticated = False
	headers = {}
	url_check = None
	reply = None
	try:
		if len(request.get_data(cache=True)) > MAX_BODY_BYTES:
			raise WebhookRefused(413, _("The body is larger than {0} KB").format(MAX_BODY_BYTES // 1024))
		check_rate(client_address(request))
		provider = get_provider(provider_name)
		url_check = provider.url_check_answer(request)
		if url_check is not None:
			status_code, answer = 200, {"url_check": url_check}
		elif request.method not in provider.webhook_methods:
			methods = ", ".join(provider.webhook_methods)
			raise WebhookRefused(
				405,
				_("{0} sends its webhooks with {1}").format(provider.provider_type, methods),
				headers={"Allow": methods},
			)
		else:
			provider.authenticate_webhook(request)
			authenticated = True
			body = _body_for_log(request)
			events = provider.parse_webhook(request)
			results = [commit_event(event) for event in events]
			status_code, answer = 200, provider.webhook_response(results)
			reply = provider.webhook_reply(request, results)
	except WebhookRefused as refusal:
		status_code, answer = refusal.status_code, refusal.as_body()
		headers = refusal.headers
	except CallBusyError as error:
		status_code, answer = 503, {"error": str(error)}
	except InvalidCallEvent as error:
		status_code, answer = 422, {"error": str(error), **({"field": error.field} if error.field else {})}
	except frappe.ValidationError as error:
		status_code, answer = 422, {"error": _strip_markup(error)}
	except Exception as error:
		frappe.db.rollback()
		error_log = frappe.log_error(
			title=f"Telephony webhook of {provider_name}: event not recorded",
			message=f"{frappe.get_traceback()}\nBody: {json.dumps(body, default=str)[:10000]}",
		)
		status_code, answer = (
			422,
			{
				"error": _("The event could not be recorded ({0}); it is kept in Error Log {1}").format(
					type(error).__name__, error_log.name
				)
			},
		)
	frappe.local.message_log = []

	_log(
		direction="Incoming",
		provider=provider_name,
		method=request.method,
		url=request.url,
		status_code=status_code,
		headers=dict(request.headers),
		# A request that did not prove where it comes from is logged without its body.
		body=body if authenticated else None,
		response=answer,
		error=answer.get("error"),
		duration_ms=round((time.monotonic() - started) * 1000, 2),
		# What a provider sent and the app could not record is always kept, logging on or off.
		always=authenticated and status_code >= 400,
	)
	if url_check is not None:
		# The provider compares the body with what it sent.
		return Response(url_check, status=200, mimetype="text/plain")
	if reply is not None:
		return reply
	response = Response(json.dumps(answer), status=status_code, mimetype="application/json")
	response.headers.update(headers)
	return response


def _log(**entry) -> None:
	"""The request log never turns an answer into a 5xx: a log entry that cannot be kept is reported."""
	try:
		log_request(**entry)
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=f"Telephony webhook of {entry.get('provider')}: request not logged")


def _body_for_log(request: Request):
	if request.is_json:
		return request.get_json(silent=True)
	return request.form.to_dict()


def _strip_markup(error: Exception) -> str:
	return frappe.utils.strip_html(str(error))
