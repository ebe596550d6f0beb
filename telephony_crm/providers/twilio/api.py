"""Twilio's REST API (`api.twilio.com/2010-04-01/Accounts/<AccountSid>/...`), with HTTP Basic auth of the
account SID and auth token. A refusal reaches people as Twilio's own message (`{"code", "message"}`)."""

from urllib.parse import urlsplit

from frappe import _

from telephony_crm.providers.base import ProviderCommandError, ProviderRefused
from telephony_crm.providers.http import RETRY_PAUSES, provider_request

DEFAULT_BASE = "https://api.twilio.com"


class TwilioRefused(ProviderRefused):
	"""Twilio answered, and refused the request."""


class TwilioApi:
	def __init__(self, settings, token: str | None):
		self.settings = settings
		self.token = token
		self.base = (settings.twilio_api_base or DEFAULT_BASE).rstrip("/")

	@property
	def origin(self) -> str:
		return urlsplit(self.base).netloc

	def url(self, path: str) -> str:
		return f"{self.base}/2010-04-01/Accounts/{self.settings.twilio_account_sid}/{path}"

	def request(
		self, method: str, path: str, *, data=None, retry_pauses=RETRY_PAUSES, ok_statuses=(), **kwargs
	):
		"""`path` under the account (`Calls.json`); the response, or ProviderCommandError."""
		if not (self.settings.twilio_account_sid and self.token):
			raise ProviderCommandError(
				_("{0} has no Twilio account SID and auth token").format(self.settings.name)
			)
		response = provider_request(
			self.settings.name,
			method,
			self.url(path),
			auth=(self.settings.twilio_account_sid, self.token),
			data=data,
			log_body=data,
			retry_pauses=retry_pauses,
			# Twilio explains these in its answer, read below.
			ok_statuses=(400, 401, 403, 404, *ok_statuses),
			**kwargs,
		)
		if response.status_code >= 400 and response.status_code not in ok_statuses:
			try:
				message = response.json().get("message")
			except (ValueError, AttributeError):
				message = None
			raise TwilioRefused(
				_("{0}: Twilio refused the request (HTTP {1}): {2}").format(
					self.settings.name, response.status_code, message or response.text[:200]
				)
			)
		return response
