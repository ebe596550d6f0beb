"""Zadarma's two signatures (its PHP library, zadarma/user-api-v1, is the reference):

- a webhook carries `Signature: base64(hex(HMAC-SHA1(secret, signed string)))`, the signed string being
  fields of the event joined without separators (SIGNED_FIELDS); note the base64 of the *hex* digest;
- an API request carries `Authorization: <key>:<base64(hex(HMAC-SHA1(secret, path + query + md5(query))))>`,
  the query being the parameters sorted by name and form-encoded (spaces as +).
"""

import base64
import hashlib
import hmac
from urllib.parse import urlencode

SIGNED_FIELDS = {
	"NOTIFY_START": ("caller_id", "called_did", "call_start"),
	"NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
	"NOTIFY_END": ("caller_id", "called_did", "call_start"),
	"NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
	"NOTIFY_OUT_START": ("internal", "destination", "call_start"),
	"NOTIFY_OUT_END": ("internal", "destination", "call_start"),
	"NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}


def _signature(secret: str, text: str) -> str:
	digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).hexdigest()
	return base64.b64encode(digest.encode()).decode()


def webhook_signature(secret: str, event: str, form) -> str:
	return _signature(secret, "".join(form.get(field) or "" for field in SIGNED_FIELDS[event]))


def is_signed(secret: str, event: str, form, signature: str) -> bool:
	return hmac.compare_digest(webhook_signature(secret, event, form).encode(), signature.encode())


def api_query(params: dict) -> str:
	return urlencode(sorted(params.items()))


def api_authorization(key: str, secret: str, path: str, params: dict) -> str:
	query = api_query(params)
	return f"{key}:{_signature(secret, path + query + hashlib.md5(query.encode()).hexdigest())}"
