"""When a provider's event first arrived, for providers that do not stamp every event with its time
(Zadarma, the parts of Twilio's traffic without a Timestamp): the app stamps it on its first delivery,
and a repeated delivery reads the same stamp back from Redis, so that it is the same event."""

import hashlib
from datetime import datetime

import frappe
from frappe.utils import get_datetime

from telephony_crm.calls.times import site_now

REMEMBERED_SECONDS = 7 * 24 * 3600


def arrival_time() -> datetime:
	return site_now()


def first_seen(provider: str, *event: str | None) -> datetime:
	"""When the event named by `event` (its call, kind, extension...) first arrived; now, if this is its
	first delivery."""
	digest = hashlib.sha1("\n".join((provider, *(part or "" for part in event))).encode()).hexdigest()
	key = frappe.cache.make_key(f"telephony_crm:arrival:{digest}")
	now = arrival_time().isoformat()
	# SET NX: of two deliveries at once, one time wins and both read it.
	frappe.cache.set(key, now, nx=True, ex=REMEMBERED_SECONDS)
	stored = frappe.cache.get(key)
	return get_datetime(stored.decode() if stored else now)
