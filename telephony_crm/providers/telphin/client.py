"""Telphin's REST API: the host setting, the OAuth2 token (cached until it expires) and authorized calls.

Telphin advises asking for a new token after any 401, even before `expires_in` runs out: every call that
gets a 401 is sent once more with a fresh token.
"""

from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import frappe
from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.http import RETRY_PAUSES, provider_request

DEFAULT_HOST = "apiproxy.telphin.ru"
API_PATH = "/api/ver1.0"
TOKEN_PATH = "/oauth/token"
# Plain http only to this machine: the stub API of the tests.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# A token is dropped this long before Telphin says it expires, so none is sent as it runs out.
TOKEN_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class TelphinSettings:
	provider: str
	origin: str  # scheme://host[:port] of the API
	client_id: str
	app_id: str
	app_secret: str = field(repr=False)

	@classmethod
	def from_doc(cls, doc) -> "TelphinSettings":
		return cls(
			provider=doc.name,
			origin=api_origin(doc.telphin_api_host),
			client_id=(doc.telphin_client_id or "").strip() or "@me",
			app_id=(doc.telphin_app_id or "").strip(),
			app_secret=doc.get_password("telphin_app_secret", raise_exception=False) or "",
		)


def api_origin(host: str | None) -> str:
	"""The API's origin from the host setting: a host name (https), or a full https URL; http only
	for this machine."""
	value = (host or "").strip().rstrip("/") or DEFAULT_HOST
	parts = urlsplit(value if "://" in value else f"https://{value}")
	try:
		parts.port  # raises ValueError on a malformed port
	except ValueError:
		parts = None
	if (
		not parts
		or not parts.hostname
		or parts.path
		or parts.query
		or parts.username
		or parts.scheme not in ("https", "http")
		or (parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS)
	):
		frappe.throw(
			_("Telphin API host must be a host name such as {0}, or an https URL without a path").format(
				DEFAULT_HOST
			),
			title=_("Telphin API host"),
		)
	return f"{parts.scheme}://{parts.netloc}"


class TelphinClient:
	def __init__(self, settings: TelphinSettings):
		self.settings = settings

	@classmethod
	def for_doc(cls, doc) -> "TelphinClient":
		return cls(TelphinSettings.from_doc(doc))

	def client_path(self, path: str) -> str:
		return f"/client/{quote(self.settings.client_id, safe='@')}{path}"

	def request(self, method: str, path: str, *, retry_pauses=RETRY_PAUSES, ok_statuses=(), **kwargs):
		"""An authorized call to `API_PATH + path`; a 401 is tried once more with a fresh token."""
		url = self.settings.origin + API_PATH + path
		response = self._authorized(method, url, retry_pauses, (*ok_statuses, 401), kwargs)
		if response.status_code == 401:
			self.forget_token()
			response = self._authorized(method, url, retry_pauses, ok_statuses, kwargs)
		return response

	def _authorized(self, method, url, retry_pauses, ok_statuses, kwargs):
		headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.token()}"}
		return provider_request(
			self.settings.provider,
			method,
			url,
			headers=headers,
			retry_pauses=retry_pauses,
			ok_statuses=ok_statuses,
			**kwargs,
		)

	def token(self) -> str:
		token = frappe.cache.get_value(self._token_key, expires=True)
		if not token:
			token, expires_in = self.request_token()
			frappe.cache.set_value(self._token_key, token, expires_in_sec=_cache_lifetime(expires_in))
		return token

	def request_token(self, retry_pauses=RETRY_PAUSES) -> tuple[str, int]:
		"""A new token for the app's credentials (client_credentials grant) and its lifetime in seconds."""
		if not (self.settings.app_id and self.settings.app_secret):
			raise ProviderCommandError(
				_("{0} has no Telphin App ID and App Secret").format(self.settings.provider)
			)
		form = {
			"grant_type": "client_credentials",
			"client_id": self.settings.app_id,
			"client_secret": self.settings.app_secret,
		}
		response = provider_request(
			self.settings.provider,
			"POST",
			self.settings.origin + TOKEN_PATH,
			data=form,
			log_body=form,  # the request log redacts client_secret, and access_token in the answer
			retry_pauses=retry_pauses,
		)
		answer = read_json(response)
		token = answer.get("access_token")
		if not isinstance(token, str) or not token:
			raise ProviderCommandError(_("Telphin answered the token request without a token"))
		return token, _seconds(answer.get("expires_in"))

	def forget_token(self) -> None:
		frappe.cache.delete_value(self._token_key)

	@property
	def _token_key(self) -> str:
		return f"telephony_crm:telphin:token:{self.settings.provider}:{self.settings.app_id}"


def read_json(response):
	"""The JSON of an API answer; ProviderCommandError when it is none."""
	try:
		return response.json()
	except ValueError:
		raise ProviderCommandError(_("Telphin answered something that is not JSON"))


def _cache_lifetime(expires_in: int) -> int:
	if expires_in > 2 * TOKEN_MARGIN_SECONDS:
		return expires_in - TOKEN_MARGIN_SECONDS
	return max(1, expires_in // 2)


def _seconds(value) -> int:
	try:
		return max(0, int(value))
	except (TypeError, ValueError):
		return 3600  # Telphin's documented lifetime
