"""Zadarma's REST API (api.zadarma.com): GET requests signed with the account's key and secret.

Zadarma answers `{"status": "success", ...}`, or `{"status": "error", "message": "..."}` (with HTTP 200
or 4xx): both errors reach people as Zadarma's own message."""

from urllib.parse import urlsplit

from frappe import _

from telephony_crm.providers.base import ProviderCommandError, ProviderRefused
from telephony_crm.providers.http import RETRY_PAUSES, provider_request
from telephony_crm.providers.zadarma.signing import api_authorization, api_query

DEFAULT_BASE = "https://api.zadarma.com"


class ZadarmaRefused(ProviderRefused):
	"""Zadarma answered, and refused the request."""


class ZadarmaApi:
	"""The Zadarma API of one provider's settings."""

	def __init__(self, settings, secret: str | None):
		self.settings = settings
		self.secret = secret
		self.base = (settings.zadarma_api_base or DEFAULT_BASE).rstrip("/")

	@property
	def origin(self) -> str:
		"""host[:port] of the API."""
		return urlsplit(self.base).netloc

	def get(self, path: str, params: dict, *, retry_pauses: tuple[float, ...] = RETRY_PAUSES) -> dict:
		"""GET `path` (`/v1/...`/) with `params`; Zadarma's answer, or ProviderCommandError."""
		if not (self.settings.zadarma_api_key and self.secret):
			raise ProviderCommandError(
				_("{0} has no Zadarma API key and secret to sign requests with").format(self.settings.name)
			)
		params = {**params, "format": "json"}
		headers = {
			"Authorization": api_authorization(self.settings.zadarma_api_key, self.secret, path, params)
		}
		response = provider_request(
			self.settings.name,
			"GET",
			f"{self.base}{path}?{api_query(params)}",
			headers=headers,
			retry_pauses=retry_pauses,
			# Zadarma explains these in its answer, read below.
			ok_statuses=(400, 401, 403, 404),
		)
		answer = _json(response)
		if answer.get("status") != "success":
			raise ZadarmaRefused(
				_("{0}: Zadarma refused the request (HTTP {1}): {2}").format(
					self.settings.name, response.status_code, answer.get("message") or response.text[:200]
				)
			)
		return answer


def _json(response) -> dict:
	try:
		answer = response.json()
	except ValueError:
		return {}
	return answer if isinstance(answer, dict) else {}
