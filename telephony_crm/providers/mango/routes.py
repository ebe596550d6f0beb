"""Mango Office's way in: it appends its services (events/call, result/callback, ...) to the one URL
it is given, /telephony/mango/<provider>/, and no Frappe method takes a sub-path.

Registered in hooks.py as `page_renderer = ["telephony_crm.providers.mango.routes.MangoRequests"]`:
Frappe's website router (frappe.website.serve.get_response, which serves GET and POST outside /api/)
tries it before its own pages. It takes the paths under MANGO_ROUTE and hands the request to the
webhook gateway, as one for the provider and the service the path names. Mango's POSTs carry no
cookie: they run as Guest, whose session holds no CSRF token to check.
"""

import json
import re

import frappe
from frappe import _
from frappe.website.page_renderers.base_renderer import BaseRenderer
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.wrappers import Request, Response

from telephony_crm.telephony_crm.doctype.telephony_provider_settings.telephony_provider_settings import (
	MANGO_ROUTE,
)
from telephony_crm.webhooks import handle_webhook

# The provider's name may hold slashes; the service is what follows it: events/..., result/...
_SERVICE_PATH = re.compile(rf"^{re.escape(MANGO_ROUTE)}/(?P<provider>.+)/(?P<service>(?:events|result)/.+)$")


class MangoRequests(BaseRenderer):
	def can_render(self) -> bool:
		return self.path.startswith(f"{MANGO_ROUTE}/")

	def render(self) -> Response:
		match = _SERVICE_PATH.match(self.path)
		if frappe.request.method != "POST":
			return _answer(405, _("Mango Office posts its events here; nothing else is served"))
		if not match:
			return _answer(
				404,
				_(
					"No Mango Office service at this address: events/... or result/... follow the provider's name"
				),
			)
		return handle_webhook(ServiceRequest(frappe.request, match["provider"], match["service"]))


class ServiceRequest:
	"""The request as the gateway and the provider read it: the path's provider and service as its
	query arguments, everything else the request's own."""

	def __init__(self, request: Request, provider: str, service: str):
		self._request = request
		self.args = ImmutableMultiDict({"provider": provider, "service": service})

	def __getattr__(self, name):
		return getattr(self._request, name)


def _answer(status: int, message: str) -> Response:
	return Response(json.dumps({"error": message}), status=status, mimetype="application/json")
