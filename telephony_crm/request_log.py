"""Telephony Request Log: what crossed the wire with a provider, secrets removed."""

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import frappe

LOG_DOCTYPE = "Telephony Request Log"
REDACTED = "***"
_SECRET_NAME = re.compile(
	r"secret|password|passwd|token|signature|sign$|salt|api[_-]?key|authorization|cookie", re.I
)


def logging_enabled() -> bool:
	return bool(frappe.get_cached_doc("Telephony Settings").log_requests)


def log_request(
	*,
	direction: str,
	provider: str | None,
	method: str,
	url: str,
	status_code: int | None,
	headers: dict | None = None,
	body=None,
	response=None,
	error: str | None = None,
	duration_ms: float | None = None,
	always: bool = False,
) -> None:
	"""Keep one exchange with a provider, when request logging is on in Telephony Settings (or `always`)."""
	if not (always or logging_enabled()):
		return
	frappe.get_doc(
		{
			"doctype": LOG_DOCTYPE,
			"direction": direction,
			"provider": provider
			if provider and frappe.db.exists("Telephony Provider Settings", provider)
			else None,
			"method": method,
			"url": redact_url(url),
			"status_code": status_code,
			"error": error,
			"duration_ms": duration_ms,
			"request_headers": _as_json(redact(headers or {})),
			"request_body": _as_json(redact(body)),
			"response_body": _as_json(redact(response)),
		}
	).insert(ignore_permissions=True)


def redact(data):
	"""A copy of `data` with the value of every secret-looking key replaced."""
	if isinstance(data, dict):
		return {k: REDACTED if _SECRET_NAME.search(str(k)) else redact(v) for k, v in data.items()}
	if isinstance(data, list):
		return [redact(v) for v in data]
	if isinstance(data, str) and "://" in data:
		# A URL inside a body (a webhook subscription's) may carry a secret in its query.
		return redact_url(data)
	return data


def redact_url(url: str) -> str:
	parts = urlsplit(url)
	query = [
		(k, REDACTED if _SECRET_NAME.search(k) else v)
		for k, v in parse_qsl(parts.query, keep_blank_values=True)
	]
	return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def _as_json(data) -> str | None:
	if data is None:
		return None
	# A lone surrogate (which a JSON body may carry) cannot be stored: kept escaped.
	text = json.dumps(data, indent=1, ensure_ascii=False, default=str)
	return text.encode("utf-8", "backslashreplace").decode()
