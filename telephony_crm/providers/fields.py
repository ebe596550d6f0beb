"""Reading the fields of what a provider posts, one by one: every refusal is a 422 that names the field
and says what is wrong with it."""

from datetime import datetime
from zoneinfo import ZoneInfo

from frappe import _

from telephony_crm.calls.times import from_unix_seconds, site_now, to_site_time
from telephony_crm.calls.validation import MAX_TEXT_LENGTH, check_time, clean_text, is_dial_string
from telephony_crm.providers.base import WebhookRefused

MAX_ID_LENGTH = 128
MAX_CODE = 99_999
LATEST_SECONDS = 2**32  # 2106: any later is no clock, and the time window refuses it by name


def body_fields(request) -> dict:
	"""A webhook's fields: its JSON object, or its form (422 for a JSON body that is not an object)."""
	if request.is_json:
		payload = request.get_json(silent=True)
		if not isinstance(payload, dict):
			raise WebhookRefused(422, _("The body must be a JSON object"))
		return payload
	return request.form.to_dict()


class Fields:
	"""The fields of a provider's request (a JSON object, or a form as a dict), read one by one; `path`
	names a nested object (`to`), so that a refusal names the field as the provider nests it."""

	def __init__(self, data, path: str = ""):
		if not isinstance(data, dict):
			raise WebhookRefused(422, _("{0} must be a JSON object").format(path), path)
		self.data = data
		self.prefix = f"{path}." if path else ""

	def refuse(self, name: str, message: str, **values):
		field = self.prefix + name
		raise WebhookRefused(422, message.format(field=field, **values), field)

	def _present(self, name: str, required: bool):
		value = self.data.get(name)
		if value in (None, "") and required:
			self.refuse(name, _("{field} is required"))
		return None if value in (None, "") else value

	def text(self, name: str, required: bool = False, max_length: int = MAX_ID_LENGTH) -> str | None:
		"""An id or word: a string (or a number, which some ids are) of plain characters."""
		value = self._present(name, required)
		if value is None:
			return None
		if isinstance(value, bool) or not isinstance(value, str | int):
			self.refuse(name, _("{field} must be a string"))
		value = str(value).strip()
		if len(value.encode()) > max_length:
			self.refuse(name, _("{field} is longer than {limit} bytes"), limit=max_length)
		if clean_text(value, max_length) != value:
			self.refuse(name, _("{field} may not hold control characters, quotes, < or >"))
		return value

	def number(self, name: str) -> str | None:
		"""A number as providers write it: digits, an extension, or a SIP URI (sip:ivanov@acme.mangosip.ru)."""
		value = self.text(name)
		if value and not is_dial_string(value):
			self.refuse(name, _("{field} may hold only digits, letters, spaces and + * # @ . : ; = _ - ( )"))
		return value

	def integer(self, name: str, required: bool = False, maximum: int = MAX_CODE) -> int | None:
		"""A whole number from 0 to `maximum`, as a JSON number or a string of digits."""
		value = self._present(name, required)
		if value is None:
			return None
		if isinstance(value, str) and value.strip().isdigit():
			value = int(value)
		if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
			self.refuse(name, _("{field} must be a whole number from 0 to {maximum}"), maximum=maximum)
		return value

	def choice(self, name: str, choices, required: bool = True):
		value = self._present(name, required)
		if value is None:
			return None
		if isinstance(value, str) and value.strip().isdigit():
			value = int(value)
		if isinstance(value, bool) or value not in choices:
			self.refuse(
				name,
				_("{field} must be one of: {choices} (got {got})"),
				choices=", ".join(map(str, choices)),
				got=clean_text(value, 40),
			)
		return value

	def time(self, name: str, required: bool = True) -> datetime | None:
		"""UTC Unix seconds, as site time, within the engine's window."""
		seconds = self.integer(name, required, maximum=LATEST_SECONDS)
		if seconds is None:
			return None
		moment = from_unix_seconds(seconds)
		check_time(moment, site_now(), self.prefix + name)
		return moment

	def local_time(self, name: str, time_zone: str, required: bool = True) -> datetime | None:
		"""`YYYY-MM-DD HH:MM:SS` in `time_zone`, as site time, within the engine's window."""
		text = self.text(name, required)
		if text is None:
			return None
		try:
			local = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
		except ValueError:
			self.refuse(name, _("{field} must be a time written YYYY-MM-DD HH:MM:SS"))
		moment = to_site_time(local.replace(tzinfo=ZoneInfo(time_zone)))
		check_time(moment, site_now(), self.prefix + name)
		return moment

	def object(self, name: str) -> "Fields":
		"""A nested object (`from`, `to`); an empty one when absent."""
		return Fields(self._present(name, False) or {}, self.prefix + name)

	def command_id(self) -> str | None:
		return self.text("command_id", max_length=MAX_TEXT_LENGTH)
