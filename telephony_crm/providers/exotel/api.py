"""Exotel's v1 API (`api.exotel.com`, or `api.in.exotel.com` for Mumbai accounts): form posts and GETs
under /v1/Accounts/<sid>/, with HTTP Basic auth of the API key and token; `.json` answers."""

from urllib.parse import urlsplit

from frappe import _

from telephony_crm.providers.base import ProviderCommandError, ProviderRefused
from telephony_crm.providers.http import RETRY_PAUSES, provider_request

DEFAULT_BASE = "https://api.exotel.com"


class ExotelRefused(ProviderRefused):
	"""Exotel answered, and refused the request (credentials, parameters)."""


class ExotelApi:
	"""The Exotel API of one provider's settings."""

	def __init__(self, settings, token: str | None):
		self.settings = settings
		self.token = token
		self.base = (settings.exotel_api_base or DEFAULT_BASE).rstrip("/")

	@property
	def origin(self) -> str:
		"""host[:port] of the API."""
		return urlsplit(self.base).netloc

	def request(self, method: str, path: str, *, data: dict | None = None, retry_pauses=RETRY_PAUSES) -> dict:
		"""`path` under the account (`Calls/connect.json`); Exotel's answer, or ProviderCommandError."""
		if not (self.settings.exotel_account_sid and self.settings.exotel_api_key and self.token):
			raise ProviderCommandError(
				_("{0} has no Exotel account SID, API key and token").format(self.settings.name)
			)
		response = provider_request(
			self.settings.name,
			method,
			f"{self.base}/v1/Accounts/{self.settings.exotel_account_sid}/{path}",
			auth=(self.settings.exotel_api_key, self.token),
			data=data,
			log_body=data,
			retry_pauses=retry_pauses,
			# Exotel explains these in its answer, read below.
			ok_statuses=(400, 401, 403, 404),
		)
		try:
			answer = response.json()
		except ValueError:
			answer = {}
		if not response.ok:
			message = (answer.get("RestException") or {}).get("Message") if isinstance(answer, dict) else None
			raise ExotelRefused(
				_("{0}: Exotel refused the request (HTTP {1}): {2}").format(
					self.settings.name, response.status_code, message or response.text[:200]
				)
			)
		return answer if isinstance(answer, dict) else {}
