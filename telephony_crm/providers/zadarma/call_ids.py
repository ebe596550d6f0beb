"""Which Zadarma call (`pbx_call_id`) a call placed from the desk became, remembered in Redis for a week:
the callback API answers with no id, so the app expects, for a couple of minutes, an outbound call from
the agent's extension to the number dialled, and the first such event ties its `pbx_call_id` to the
app's call.
"""

import hashlib
import re

import frappe

from telephony_crm.providers.arrivals import REMEMBERED_SECONDS

CALLBACK_WAIT_SECONDS = 120


def expect_callback(provider: str, extension: str, number: str, call_id: str) -> None:
	"""The app asked Zadarma to ring `extension`, then dial `number`, for its call `call_id`."""
	frappe.cache.set(_pending(provider, extension, number), call_id, ex=CALLBACK_WAIT_SECONDS)


def call_id_for(provider: str, pbx_call_id: str, placed: tuple[str | None, str | None] | None = None) -> str:
	"""The id the app keeps the call under: the app's own for a call placed from the desk, else
	Zadarma's. `placed` is (extension, number) of an outbound event."""
	alias = _key("alias", provider, pbx_call_id)
	known = frappe.cache.get(alias)
	if known:
		return known.decode()
	if placed and all(placed):
		call_id = frappe.cache.getdel(_pending(provider, *placed))
		if call_id:
			frappe.cache.set(alias, call_id, ex=REMEMBERED_SECONDS)
			return call_id.decode()
	return pbx_call_id


def _pending(provider: str, extension: str, number: str) -> str:
	# Numbers as digits: Zadarma writes 79261112233 where the app dialled +79261112233.
	return _key("callback", provider, extension, re.sub(r"\D", "", number))


def _key(kind: str, *parts: str) -> str:
	digest = hashlib.sha1("\n".join(parts).encode()).hexdigest()
	return frappe.cache.make_key(f"telephony_crm:zadarma:{kind}:{digest}")
