"""A per-address limit on the webhook endpoint, which anyone can reach: counted in Redis, per minute."""

import ipaddress
import time

import frappe
from frappe import _
from werkzeug.wrappers import Request

from telephony_crm.providers.base import WebhookRefused

WINDOW_SECONDS = 60


def client_address(request: Request) -> str:
	"""Who sent the request: the connecting peer, or, when that peer is a reverse proxy of this site
	(loopback, or the site config's `telephony_trusted_proxies`), the address that proxy saw, which it
	appends last to X-Forwarded-For. The first entries are whatever the client wrote: never trusted."""
	peer = request.remote_addr or "unknown"
	forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
	return forwarded[-1] if forwarded and _is_trusted_proxy(peer) else peer


def _is_trusted_proxy(address: str) -> bool:
	try:
		ip = ipaddress.ip_address(address)
	except ValueError:
		return False
	return ip.is_loopback or address in (frappe.conf.get("telephony_trusted_proxies") or ())


def check_rate(address: str | None) -> None:
	"""WebhookRefused(429) once `address` sent more requests this minute than Telephony Settings allow."""
	limit = frappe.get_cached_doc("Telephony Settings").webhook_rate_limit
	if not limit or not address:
		return
	window, elapsed = divmod(int(time.time()), WINDOW_SECONDS)
	key = frappe.cache.make_key(f"telephony_crm:webhook-rate:{address}:{window}")
	count = frappe.cache.incr(key)
	if count == 1:
		frappe.cache.expire(key, WINDOW_SECONDS)
	if count > limit:
		retry_after = WINDOW_SECONDS - elapsed
		raise WebhookRefused(
			429,
			_("Too many requests from {0}: at most {1} a minute; try again in {2} s").format(
				address, limit, retry_after
			),
			headers={"Retry-After": str(retry_after)},
		)
