"""What the app remembers of a Mango call between requests, in Redis: which call an `entry_id` is, and
the call's legs (commands/call/hangup takes a leg's `call_id`, not the call's).

A call placed from the desk is recorded under the app's id before Mango has named it; Mango's events
of it carry that id as `command_id`, but later ones (the summary, a transfer's legs) only `entry_id`.
The first event with the `command_id` ties the `entry_id` to the app's call here, for a week.
"""

import hashlib

import frappe

from telephony_crm.calls.engine import CALL_DOCTYPE

REMEMBERED_SECONDS = 7 * 24 * 3600


def call_id_for(provider: str, entry_id: str, command_id: str | None = None) -> str:
	"""The id the app keeps the call under: the call the app placed (`command_id`), else Mango's own."""
	key = _key("entry", provider, entry_id)
	if command_id and frappe.db.exists(CALL_DOCTYPE, {"provider": provider, "call_id": command_id}):
		frappe.cache.set_value(key, command_id, expires_in_sec=REMEMBERED_SECONDS)
		return command_id
	return frappe.cache.get_value(key) or entry_id


def remember_leg(provider: str, call_id: str, leg_id: str, seq: int, ended: bool) -> None:
	"""Keep the leg with the highest `seq` it was seen at; an ended leg stays ended, whatever comes late."""
	legs, ended_legs = _leg_keys(provider, call_id)
	frappe.cache.zadd(legs, {leg_id: seq}, gt=True)
	if ended:
		frappe.cache.zadd(ended_legs, {leg_id: seq})
	for key in (legs, ended_legs):
		frappe.cache.expire(key, REMEMBERED_SECONDS)


def live_leg(provider: str, call_id: str) -> str | None:
	"""The latest leg of the call that has not ended."""
	legs, ended_legs = _leg_keys(provider, call_id)
	ended = set(frappe.cache.zrange(ended_legs, 0, -1))
	return next((leg.decode() for leg in frappe.cache.zrevrange(legs, 0, -1) if leg not in ended), None)


def _leg_keys(provider: str, call_id: str) -> tuple[str, str]:
	# Sorted sets have no wrapper in Frappe: the raw commands take the site's prefix from make_key.
	return tuple(frappe.cache.make_key(_key(kind, provider, call_id)) for kind in ("legs", "ended"))


def _key(kind: str, provider: str, call_id: str) -> str:
	return f"telephony_crm:mango:{kind}:" + hashlib.sha1(f"{provider}\n{call_id}".encode()).hexdigest()
