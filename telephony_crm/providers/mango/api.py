"""Signed requests to the Mango Office API (commands/..., queries/..., config/...).

Mango answers a request it refuses with HTTP 420 and `{"code": 3104}`; some answers say the same with
HTTP 200 and `{"result": 3104}` (1000 is success). Both are read as one refusal, with the code's class
in words: 2xxx billing, 31xx parameters or credentials, 33xx not found, 4xxx not possible now, 5xxx
Mango's own error.
"""

import requests
from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.http import RETRY_PAUSES, provider_request
from telephony_crm.providers.mango.signing import signed_form

DEFAULT_BASE = "https://app.mango-office.ru/vpbx/"
REFUSED_STATUS = 420
SUCCESS = 1000
_CODE_CLASSES = (
	(3300, 3400, "not found"),
	(3100, 3200, "wrong parameters, API key or signature"),
	(2000, 3000, "the account's balance or tariff does not allow it"),
	(3000, 4000, "wrong request"),
	(4000, 5000, "the PBX cannot do it now"),
	(5000, 6000, "Mango Office's internal error"),
)


class MangoRefused(ProviderCommandError):
	"""Mango answered with a result code other than success."""

	def __init__(self, message: str, code: int | None):
		super().__init__(message)
		self.code = code

	@property
	def credentials_refused(self) -> bool:
		return self.code is not None and 3000 <= self.code < 4000


def describe_code(code: int | None) -> str:
	meaning = next((words for low, high, words in _CODE_CLASSES if code and low <= code < high), "unknown")
	return f"code {code}: {meaning}"


class MangoApi:
	"""The Mango Office API of one provider's settings."""

	def __init__(self, settings, salt: str | None):
		self.settings = settings
		self.salt = salt
		self.base = (settings.mango_api_base or DEFAULT_BASE).rstrip("/") + "/"

	def post(
		self,
		path: str,
		payload: dict,
		*,
		retry_pauses: tuple[float, ...] = RETRY_PAUSES,
		ok_statuses: tuple[int, ...] = (),
	) -> requests.Response:
		"""POST a signed command or query; MangoRefused when Mango refuses it."""
		key = self.settings.mango_api_key
		if not (key and self.salt):
			raise ProviderCommandError(
				_("{0} has no API key and salt: copy them from the API connector in the Mango LK").format(
					self.settings.name
				)
			)
		response = provider_request(
			self.settings.name,
			"POST",
			self.base + path,
			data=signed_form(key, self.salt, payload),
			# The form's key and signature stay out of the request log.
			log_body=payload,
			retry_pauses=retry_pauses,
			ok_statuses=(REFUSED_STATUS, *ok_statuses),
		)
		code = _result_code(response)
		if code is not None and code != SUCCESS:
			raise MangoRefused(
				_("{0}: Mango Office refused {1} ({2})").format(
					self.settings.name, path, describe_code(code)
				),
				code,
			)
		return response


def _result_code(response: requests.Response) -> int | None:
	try:
		answer = response.json()
	except ValueError:
		answer = None
	code = answer.get("code", answer.get("result")) if isinstance(answer, dict) else None
	if response.status_code == REFUSED_STATUS and not isinstance(code, int):
		return 0  # refused, no code given
	return code if isinstance(code, int) else None
