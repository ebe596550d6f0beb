"""Zadarma: call notifications as signed form posts, click-to-call and recordings through its REST API.

Zadarma signs each notification (`Signature`, see signing) with the account's API secret; it checks a
notification URL when it is saved with `?zd_echo=<value>`, which is answered with the value. Its API has
no way to hang up a call, and none to delete a recording.
"""

import re

from frappe import _
from werkzeug.wrappers import Request

from telephony_crm.calls.events import CallEvent
from telephony_crm.providers.base import OriginateRequest, Recording, TelephonyProvider, WebhookRefused
from telephony_crm.providers.zadarma import call_ids, recordings
from telephony_crm.providers.zadarma import settings as zadarma_settings
from telephony_crm.providers.zadarma.api import ZadarmaApi
from telephony_crm.providers.zadarma.events import CALL_EVENTS, call_events
from telephony_crm.providers.zadarma.signing import is_signed

CALLBACK_PATH = "/v1/request/callback/"
_ECHO = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ZadarmaProvider(TelephonyProvider):
	provider_type = "Zadarma"

	@classmethod
	def check_settings(cls, settings) -> None:
		zadarma_settings.check_settings(settings)

	@property
	def api(self) -> ZadarmaApi:
		return ZadarmaApi(self.settings, self.secret("zadarma_api_secret"))

	def url_check_answer(self, request: Request) -> str | None:
		echo = request.args.get("zd_echo")
		if echo is None:
			return None
		if not _ECHO.match(echo):
			raise WebhookRefused(422, _("zd_echo must be up to 64 letters and digits"), "zd_echo")
		return echo

	def authenticate_webhook(self, request: Request) -> None:
		secret = self.secret("zadarma_api_secret")
		if not secret:
			raise WebhookRefused(
				401, _("{0} has no Zadarma API secret to check signatures with").format(self.name)
			)
		signature = request.headers.get("Signature")
		if not signature:
			raise WebhookRefused(401, _("Unsigned request: the Signature header is required"))
		event = request.form.get("event")
		if event not in CALL_EVENTS:
			# What is signed depends on the event: an unknown one cannot be checked.
			raise WebhookRefused(
				401, _("Unknown event {0}: its signature cannot be checked").format((event or "(none)")[:40])
			)
		if not is_signed(secret, event, request.form, signature):
			raise WebhookRefused(401, _("Wrong Signature for this provider"))

	def parse_webhook(self, request: Request) -> list[CallEvent]:
		if request.is_json:
			raise WebhookRefused(
				422, _("Zadarma notifications are form fields (application/x-www-form-urlencoded)")
			)
		return call_events(self.name, self.settings.zadarma_time_zone, request.form)

	def originate(self, request: OriginateRequest) -> None:
		# Zadarma's answer names no call: the first outbound event from the extension to the number is
		# taken as this one (call_ids).
		call_ids.expect_callback(self.name, request.extension, request.number, request.call_id)
		self.api.get(
			CALLBACK_PATH,
			{"from": request.extension, "to": request.number.lstrip("+")},
			# A callback is never sent twice: a 5xx may have placed the call.
			retry_pauses=(),
		)

	def fetch_recording(self, call, byte_range: str | None = None) -> Recording:
		return recordings.fetch_recording(self.api, call.recording_id, byte_range)

	def recording_deletion_refusal(self) -> str | None:
		return _("Zadarma's API cannot delete recordings: delete them in the Zadarma account")
