"""Mango Office signs every request, both ways: a form of `vpbx_api_key`, `sign` and `json`, where
sign = sha256_hex(vpbx_api_key + json + vpbx_api_salt) over the exact JSON text sent."""

import hashlib
import json

from telephony_crm.providers.base import secrets_match


def sign(api_key: str, json_text: str, salt: str) -> str:
	return hashlib.sha256(f"{api_key}{json_text}{salt}".encode()).hexdigest()


def signed_form(api_key: str, salt: str, payload: dict) -> dict:
	"""The form Mango expects: the JSON built compactly (its docs warn that whitespace breaks signatures)."""
	json_text = json.dumps(payload, separators=(",", ":"))
	return {"vpbx_api_key": api_key, "sign": sign(api_key, json_text, salt), "json": json_text}


def is_signed(form, api_key: str, salt: str) -> bool:
	"""Whether the form comes from whoever holds the key and salt, checked over the raw `json` field and
	in constant time, the key as well as the signature."""
	key_matches = secrets_match(form.get("vpbx_api_key"), api_key)
	sign_matches = secrets_match(form.get("sign"), sign(api_key, form.get("json", ""), salt))
	return key_matches and sign_matches
