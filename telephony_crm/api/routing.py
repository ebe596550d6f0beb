import frappe
from werkzeug.wrappers import Response

from telephony_crm.routing.route import answer_route


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
def route() -> Response:
	"""Routing for PBXs: GET or POST /api/method/telephony_crm.api.routing.route?provider=NAME&number=CALLER

	Authenticated by the provider's webhook secret; answers the responsible manager's extension, or no
	preference (see telephony_crm.routing.route)."""
	return answer_route(frappe.request)
