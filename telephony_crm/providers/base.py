"""What every provider is: the one interface the rest of the app talks to."""

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import frappe
from frappe import _
from werkzeug.wrappers import Request, Response

from telephony_crm.calls.engine import CallResult
from telephony_crm.calls.events import CallEvent


class WebhookRefused(Exception):
	"""A webhook request the app will not act on; carries the HTTP status and a message for people."""

	def __init__(self, status_code: int, message: str, field: str | None = None, headers: dict | None = None):
		super().__init__(message)
		self.status_code = status_code
		self.message = message
		self.field = field
		self.headers = headers or {}

	def as_body(self) -> dict:
		body = {"error": self.message}
		if self.field:
			body["field"] = self.field
		return body


class ProviderCommandError(frappe.ValidationError):
	"""A command (originate, hang up) the provider refused or could not be reached for."""


class ProviderRefused(ProviderCommandError):
	"""The provider answered, and refused the request (credentials, parameters): not a network error."""


@dataclass(frozen=True)
class Recording:
	"""A recording as a provider's API serves it: its bytes in chunks, what they are, a file name.

	`content_range` is set when the provider answered a Range request with part of the file (206)."""

	chunks: Iterable[bytes]
	content_type: str = "audio/mpeg"
	filename: str = "recording.mp3"
	size: int | None = None
	content_range: str | None = None


@dataclass(frozen=True)
class OriginateRequest:
	"""Click-to-call: ring the agent's phone first, then dial the number."""

	call_id: str  # the id the provider must report the call's events under
	extension: str  # the agent's extension
	number: str  # the number to dial, already rewritten for dialling
	caller_id: str | None = None


class CallControl(str, Enum):
	"""What the desk may do to a call in progress, where the provider can."""

	BLIND_TRANSFER = "blind_transfer"
	ATTENDED_TRANSFER = "attended_transfer"
	HOLD = "hold"  # hold and resume


@dataclass(frozen=True)
class LiveCall:
	"""A call in progress as a command to the provider names it."""

	call_id: str  # the provider's id of the call
	extension: str | None  # the extension the call is with now (who answered last)


class TelephonyProvider:
	"""A connected PBX or cloud provider, built from its Telephony Provider Settings record."""

	provider_type: str
	# True when `originate` returns the id the provider will report the placed call under (its own),
	# instead of reporting it under the OriginateRequest's call_id.
	names_placed_calls = False
	# How the provider sends its webhooks (some applets can only GET).
	webhook_methods = ("POST",)
	# What the desk may do to its calls in progress (transfer, hold); see `call_controls`.
	supported_call_controls: frozenset[CallControl] = frozenset()

	def __init__(self, settings):
		self.settings = settings

	@classmethod
	def check_settings(cls, settings) -> None:
		"""On save of the provider's record: refuse settings that cannot work (e.g. wrong credentials)."""

	@classmethod
	def settings_saved(cls, settings) -> None:
		"""After the record is saved: what the provider needs set up or undone at its end (enqueued)."""

	@property
	def name(self) -> str:
		return self.settings.name

	def secret(self, field: str) -> str | None:
		"""A Password field of the provider's settings, read once per version of the settings.

		Every webhook checks a secret: kept in the worker's memory, it costs no query. The settings'
		`modified` is part of the key, so a rotated secret is read anew at once."""
		key = (frappe.local.site, self.name, field, str(self.settings.modified))
		if key not in _secrets:
			if len(_secrets) > 1000:
				_secrets.clear()
			_secrets[key] = self.settings.get_password(field, raise_exception=False)
		return _secrets[key]

	def url_check_answer(self, request: Request) -> str | None:
		"""The text to answer a provider's check of its webhook URL with (made when the URL is saved at
		the provider, unsigned); None when `request` is no such check."""
		return None

	def authenticate_webhook(self, request: Request) -> None:
		"""Raise WebhookRefused(401) unless the request comes from this provider."""
		raise NotImplementedError

	def check_webhook_secret(self, token: str | None, missing: str) -> None:
		"""For a provider that signs nothing: the webhook secret its URL carries, compared in constant
		time; `missing` says where the secret belongs."""
		if not token:
			raise WebhookRefused(401, missing)
		if not secrets_match(token, self.secret("webhook_secret")):
			raise WebhookRefused(401, _("Wrong secret for this provider"))

	def parse_webhook(self, request: Request) -> list[CallEvent]:
		"""The normalized events a webhook request carries; WebhookRefused(422) for bad input."""
		raise NotImplementedError

	def originate(self, request: OriginateRequest) -> str | None:
		"""Place a call; its events then arrive under `request.call_id`, or, for a provider that
		`names_placed_calls`, under the id returned."""
		raise ProviderCommandError(_("{0} cannot place calls").format(self.provider_type))

	def hangup(self, call_id: str) -> None:
		"""End a live call (reject it while it rings)."""
		raise ProviderCommandError(_("{0} cannot hang up calls").format(self.provider_type))

	def call_controls(self) -> frozenset[CallControl]:
		"""What the desk may do to this provider's calls in progress, as the provider is set up now."""
		return self.supported_call_controls

	def transfer(self, call: LiveCall, target_extension: str, attended: bool = False) -> None:
		"""Hand the call over to `target_extension`: at once (blind), or once the agent has spoken to the
		target (attended: the caller waits on hold meanwhile)."""
		raise ProviderCommandError(_("{0} cannot transfer calls from the desk").format(self.provider_type))

	def hold(self, call: LiveCall) -> None:
		"""Put the caller on hold (music where the PBX plays it), the agent's line kept."""
		raise ProviderCommandError(_("{0} cannot put calls on hold from the desk").format(self.provider_type))

	def resume(self, call: LiveCall) -> None:
		"""Join the held caller and the agent again."""
		raise ProviderCommandError(_("{0} cannot put calls on hold from the desk").format(self.provider_type))

	def fetch_recording(self, call, byte_range: str | None = None) -> "Recording":
		"""The call's recording as the provider keeps it (by the call's `recording_id` or
		`recording_url`), streamed. `byte_range` is the listener's Range header, passed on."""
		raise ProviderCommandError(_("{0} keeps no recordings the app can fetch").format(self.provider_type))

	def recording_deletion_refusal(self) -> str | None:
		"""Why this provider's recordings cannot be deleted through it; None when they can."""
		return _("{0} offers no way to delete recordings from the site").format(self.provider_type)

	def delete_recording(self, call) -> None:
		"""Delete the call's recording at the provider (done: also when it was gone already)."""
		raise ProviderCommandError(self.recording_deletion_refusal())

	def webhook_reply(self, request: Request, results: list[CallResult]) -> Response | None:
		"""The answer the provider expects to a webhook it was sent (Twilio: TwiML, the call's next
		step); None: the app's JSON (webhook_response)."""
		return None

	def webhook_response(self, results: list[CallResult]) -> dict:
		if len(results) == 1:
			return {"call": results[0].name, "status": results[0].status}
		return {"calls": [{"call": r.name, "status": r.status} for r in results]}


_secrets: dict[tuple, str | None] = {}


def secrets_match(given: str | None, expected: str | None) -> bool:
	"""Constant-time comparison, so response timing reveals nothing about the secret."""
	if not given or not expected:
		return False
	return hmac.compare_digest(given.encode(), expected.encode())
