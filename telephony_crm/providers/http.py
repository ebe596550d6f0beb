"""Requests the app makes to providers: one place for timeouts, retries, errors people can read, and the
request log (secrets redacted there).

A 5xx answer or a network error is tried again after a growing pause; a 4xx never is (the provider has
answered, and the same request would get the same answer). Called from background jobs where nobody
waits, and from desk requests with the few retries a person can wait for; never from a webhook.
"""

import time

import requests
from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.request_log import log_request

TIMEOUT_SECONDS = 5
RETRY_PAUSES = (0.5, 1.0)  # seconds before the second and third attempt


def provider_request(
	provider: str,
	method: str,
	url: str,
	*,
	log_body=None,
	retry_pauses: tuple[float, ...] = RETRY_PAUSES,
	ok_statuses: tuple[int, ...] = (),
	**kwargs,
) -> requests.Response:
	"""Send a request to a provider; ProviderCommandError unless it answers 2xx (or one of
	`ok_statuses`). Every attempt is logged (if logging is on). `stream=True` leaves the body unread."""
	for attempt, pause in enumerate((0, *retry_pauses)):
		time.sleep(pause)
		response, error = _attempt(provider, method, url, log_body, ok_statuses, kwargs)
		retryable = response is None or response.status_code >= 500
		if not error or not retryable or attempt == len(retry_pauses):
			break
	if error:
		raise ProviderCommandError(error)
	return response


def _attempt(provider, method, url, log_body, ok_statuses, kwargs):
	started = time.monotonic()
	response, error = None, None
	try:
		response = requests.request(method, url, timeout=TIMEOUT_SECONDS, allow_redirects=False, **kwargs)
		if not (response.ok or response.status_code in ok_statuses):
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
		response=_response_body(response, kwargs.get("stream")),
		error=error,
		duration_ms=round((time.monotonic() - started) * 1000, 2),
	)
	return response, error


def _response_body(response, streamed: bool):
	if response is None or streamed:
		return None
	try:
		return response.json()
	except ValueError:
		return response.text[:2000]
