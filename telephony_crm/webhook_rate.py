"""A per-address limit on the webhook endpoint, which anyone can reach: counted in Redis, per minute."""

import time

import frappe
from frappe import _

from telephony_crm.providers.base import WebhookRefused

WINDOW_SECONDS = 60


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
