"""What the app remembers of Telphin's live calls between requests, in Redis (kept two days).

* Aliases: a call placed from the desk is recorded under the call_id of the callback API's answer;
  events that name it by the answer's call_api_id (as CallBackID) under a CallID of their own are read
  as that call, and so are the later events of that CallID.
* Legs: every SubCallID of a call with its extension id and CallAPIID (what hang-up needs), and when it
  hung up. Whether a hangup ends the whole call depends on the call's other legs.
* Calls hung up from the desk, so that the hangup Telphin then reports reads as a reject.

Nothing here is a call's fact: the call log keeps those. Lost (Redis flushed), a leg's hangup is read
as if it were the call's only leg, and a reject cannot find the call's legs.
"""

from dataclasses import asdict, dataclass

import frappe

KEEP_SECONDS = 2 * 24 * 3600
LOCK_SECONDS = 5
_PREFIX = "telephony_crm:telphin"


@dataclass(frozen=True)
class Leg:
	sub_call_id: str
	extension_id: str | None = None
	call_api_id: str | None = None
	hung_up_at: float | None = None  # Unix seconds of its hangup; None while it goes on

	@property
	def live(self) -> bool:
		return self.hung_up_at is None

	def merged(self, other: "Leg") -> "Leg":
		"""What both reports of the leg say; a leg that hung up stays hung up (events come out of order)."""
		return Leg(
			self.sub_call_id,
			self.extension_id or other.extension_id,
			self.call_api_id or other.call_api_id,
			self.hung_up_at if self.hung_up_at is not None else other.hung_up_at,
		)


def app_call_id(provider: str, *telphin_ids: str | None) -> str | None:
	"""The id the app recorded a call it placed under, from any of Telphin's ids of it (CallID, CallBackID)."""
	for telphin_id in filter(None, telphin_ids):
		call_id = frappe.cache.get_value(_key("alias", provider, telphin_id), expires=True)
		if call_id:
			return call_id
	return None


def remember_alias(provider: str, telphin_id: str, call_id: str) -> None:
	frappe.cache.set_value(_key("alias", provider, telphin_id), call_id, expires_in_sec=KEEP_SECONDS)


def record_leg(provider: str, call_id: str, leg: Leg) -> list[Leg]:
	"""Add what an event says of one leg to the call's legs; all of them, the leg's update included.

	Under a lock per call, so that of two legs hanging up at once one sees the other's hangup."""
	name = _key("legs", provider, call_id)
	with frappe.cache.lock(
		frappe.cache.make_key(name + ":lock"), timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
	):
		legs = _legs(name)
		known = legs.get(leg.sub_call_id)
		legs[leg.sub_call_id] = known.merged(leg) if known else leg
		frappe.cache.hset(name, leg.sub_call_id, asdict(legs[leg.sub_call_id]))
		frappe.cache.expire(frappe.cache.make_key(name), KEEP_SECONDS)
	return list(legs.values())


def call_legs(provider: str, call_id: str) -> list[Leg]:
	return list(_legs(_key("legs", provider, call_id)).values())


def remember_control(provider: str, call_id: str, extension_id: str, call_api_id: str) -> None:
	"""The callback API's control id of a call placed from the desk, before any of its legs is reported."""
	frappe.cache.set_value(
		_key("callback", provider, call_id), (extension_id, call_api_id), expires_in_sec=KEEP_SECONDS
	)


def control_points(provider: str, call_id: str) -> list[tuple[str, str]]:
	"""(extension id, CallAPIID) of each live leg of the call, or of the callback that placed it."""
	live = [
		(leg.extension_id, leg.call_api_id)
		for leg in call_legs(provider, call_id)
		if leg.live and leg.extension_id and leg.call_api_id
	]
	callback = frappe.cache.get_value(_key("callback", provider, call_id), expires=True)
	return live or ([tuple(callback)] if callback else [])


def mark_hung_up_by_app(provider: str, call_id: str, hung_up: bool) -> None:
	if hung_up:
		frappe.cache.set_value(_key("hung-up", provider, call_id), True, expires_in_sec=KEEP_SECONDS)
	else:
		frappe.cache.delete_value(_key("hung-up", provider, call_id))


def hung_up_by_app(provider: str, call_id: str) -> bool:
	return bool(frappe.cache.get_value(_key("hung-up", provider, call_id), expires=True))


def _legs(name: str) -> dict[str, Leg]:
	legs = (Leg(**row) for row in frappe.cache.hgetall(name).values())
	return {leg.sub_call_id: leg for leg in legs}


def _key(kind: str, provider: str, call_id: str) -> str:
	return f"{_PREFIX}:{kind}:{provider}:{call_id}"
