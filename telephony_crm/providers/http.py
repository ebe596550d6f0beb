"""Requests the app makes to providers: one place for timeouts, errors people can read, and logging."""

import time

import requests
from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.request_log import log_request

TIMEOUT_SECONDS = 5


def provider_request(provider: str, method: str, url: str, *, log_body=None, **kwargs) -> requests.Response:
	"""Send a request to a provider; ProviderCommandError unless it answers 2xx. Always logged (if on)."""
	started = time.monotonic()
	response, error = None, None
	try:
		response = requests.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
		if not response.ok:
			error = _("{0} answered HTTP {1}: {2}").format(
				provider, response.status_code, response.text[:300]
			)
	except requests.RequestException as exc:
		error = _("{0} could not be reached: {1}").format(provider, exc.__class__.__name__)
	log_request(
		direction="Outgoing",
		provider=provider,
		method=method,
		url=url,
		status_code=response.status_code if response is not None else None,
		headers=kwargs.get("headers"),
		body=log_body,
		response=_response_body(response),
		error=error,
		duration_ms=round((time.monotonic() - started) * 1000, 2),
	)
	if error:
		raise ProviderCommandError(error)
	return response


def _response_body(response):
	if response is None:
		return None
	try:
		return response.json()
	except ValueError:
		return response.text[:2000]
