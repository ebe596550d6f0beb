"""Where a ringing call should go: the PBX asks, the app answers the responsible manager's extension.

    GET|POST /api/method/telephony_crm.api.routing.route?provider=<name>&number=<caller>[&format=text]
    X-Telephony-Token: <the provider's webhook secret>   (or &token=<secret>)

The answer names an extension only when the number's responsible person (routing.responsible: the same
one its call-backs go to) is Available and has an enabled line taking incoming calls on that provider;
otherwise it is "no preference" and the PBX goes on with its own scenario, or forwards the call to the
provider's Forward Number when it has one (routing.forwarding). Every answer carries the provider's dial
timeout. Nothing is written: the request is asked on every ringing call, and only reads.
"""

import json
from dataclasses import dataclass

import frappe
from frappe import _
from werkzeug.wrappers import Request, Response

from telephony_crm.availability.status import is_available
from telephony_crm.caller_id.numbers import normalize_number, region_for_provider
from telephony_crm.calls.times import site_now
from telephony_crm.providers import SETTINGS_DOCTYPE, get_provider
from telephony_crm.providers.base import WebhookRefused
from telephony_crm.routing.forwarding import DEFAULT_DIAL_TIMEOUT, dial_timeout
from telephony_crm.routing.responsible import responsible_for
from telephony_crm.webhook_rate import check_rate, client_address
from telephony_crm.webhooks import MAX_BODY_BYTES

TOKEN_HEADER = "X-Telephony-Token"
# Plain-text answers carry only the route (Route.as_text); a refusal's message travels in this header.
ERROR_HEADER = "X-Telephony-Error"
# A plain-text "no preference" that names the number to forward to; an extension stays bare digits.
FORWARD_PREFIX = "forward="
# Reasons for "no preference".
NOBODY = "no_responsible"
NO_LINE = "no_line"
UNAVAILABLE = "unavailable"
FAILED = "error"


@dataclass(frozen=True)
class Route:
	extension: str | None
	reason: str  # a routing.responsible reason with an extension, one of the above without
	timeout: int = DEFAULT_DIAL_TIMEOUT
	forward: str | None = None  # only with no preference

	def as_body(self) -> dict:
		return {
			"extension": self.extension,
			"reason": self.reason,
			"timeout": self.timeout,
			"forward": self.forward,
		}

	def as_text(self, with_timeout: bool = False) -> str:
		"""`101`, `forward=+74951234567` or nothing; `with_timeout` appends `,15` (the dial timeout)."""
		target = self.extension or (f"{FORWARD_PREFIX}{self.forward}" if self.forward else "")
		return f"{target},{self.timeout}" if with_timeout else target


def route_number(provider: str, number: str | None) -> Route:
	"""The extension a call from `number` through `provider` should ring, or no preference."""
	extension, reason = _responsible_extension(provider, number)
	return _with_forwarding(frappe.get_cached_doc(SETTINGS_DOCTYPE, provider), extension, reason)


def _with_forwarding(settings, extension: str | None, reason: str) -> Route:
	"""The route with the provider's dial timeout, and its forward number when there is no extension."""
	forward = None if extension else (settings.forward_number or None)
	return Route(extension, reason, dial_timeout(settings), forward)


def _responsible_extension(provider: str, number: str | None) -> tuple[str | None, str]:
	responsible = responsible_for(normalize_number(number, region_for_provider(provider)), site_now())
	if not responsible:
		return None, NOBODY
	lines = frappe.db.sql(
		"""select extension from `tabSIP Account`
		where user = %s and provider = %s and enabled = 1 and accept_incoming = 1
		order by extension limit 1""",
		(responsible.user, provider),
		pluck=True,
	)
	extension = lines[0] if lines else None
	if not extension:
		return None, NO_LINE
	if not is_available(responsible.user):
		return None, UNAVAILABLE
	return extension, responsible.reason


def answer_route(request: Request) -> Response:
	"""Authenticate the PBX, then answer the route in JSON or, with `format=text`, as Route.as_text
	(`want=timeout` appends the dial timeout)."""
	as_text = request.args.get("format") == "text"
	headers, provider = {}, None
	try:
		provider = _authenticated_provider(request)
		route = route_number(provider.name, _number(request))
		status_code, body = 200, route.as_body()
	except WebhookRefused as refusal:
		status_code, body, headers, route = refusal.status_code, refusal.as_body(), refusal.headers, None
	except Exception:
		# The call is ringing: whatever went wrong, the PBX goes on with its own scenario at once.
		frappe.db.rollback()
		frappe.log_error(title=f"Telephony routing for {request.args.get('provider')} failed")
		route = _with_forwarding(provider.settings, None, FAILED) if provider else Route(None, FAILED)
		status_code, body = 200, route.as_body()
	if as_text:
		if route is None:
			headers[ERROR_HEADER] = body["error"]
		text = route.as_text(request.args.get("want") == "timeout") if route else ""
		response = Response(text, status=status_code, mimetype="text/plain")
	else:
		response = Response(json.dumps(body), status=status_code, mimetype="application/json")
	response.headers.update(headers)
	return response


def _authenticated_provider(request: Request):
	if len(request.get_data(cache=True)) > MAX_BODY_BYTES:
		raise WebhookRefused(413, _("The body is larger than {0} KB").format(MAX_BODY_BYTES // 1024))
	check_rate(client_address(request))
	provider = get_provider(request.args.get("provider"))
	provider.check_webhook_secret(
		request.headers.get(TOKEN_HEADER) or request.args.get("token"),
		_(
			"Missing secret: send the provider's webhook secret as the {0} header or the token query parameter"
		).format(TOKEN_HEADER),
	)
	if not frappe.get_cached_doc("Telephony Settings").routing_enabled:
		raise WebhookRefused(403, _("Routing requests are switched off in Telephony Settings"))
	return provider


def _number(request: Request) -> str | None:
	"""The caller's number: a query or form parameter, or a JSON body's `number`."""
	number = request.values.get("number")
	if number is None and request.is_json:
		payload = request.get_json(silent=True)
		number = payload.get("number") if isinstance(payload, dict) else None
	return number if isinstance(number, str) else None
