"""Mango Office's virtual PBX: signed form posts both ways (see signing), events under one URL
(routes), the call mapping (mapping), click-to-call and hang-up as API commands."""

import frappe
from frappe import _
from werkzeug.wrappers import Request

from telephony_crm.calls.events import CallEvent
from telephony_crm.providers.base import (
	OriginateRequest,
	ProviderCommandError,
	Recording,
	TelephonyProvider,
	WebhookRefused,
)
from telephony_crm.providers.mango import call_ids, inbound, recordings
from telephony_crm.providers.mango.api import MangoApi
from telephony_crm.providers.mango.fields import read_json
from telephony_crm.providers.mango.settings import check_credentials
from telephony_crm.providers.mango.signing import is_signed


class MangoOfficeProvider(TelephonyProvider):
	provider_type = "Mango Office"

	@classmethod
	def check_settings(cls, settings) -> None:
		check_credentials(settings)

	@property
	def api(self) -> MangoApi:
		return MangoApi(self.settings, self.secret("mango_api_salt"))

	def authenticate_webhook(self, request: Request) -> None:
		key, salt = self.settings.mango_api_key, self.secret("mango_api_salt")
		if not (key and salt):
			raise WebhookRefused(
				401, _("{0} has no API key and salt to check Mango's signature with").format(self.name)
			)
		if not (request.form.get("vpbx_api_key") and request.form.get("sign")):
			raise WebhookRefused(401, _("Unsigned request: vpbx_api_key and sign are required"))
		if not is_signed(request.form, key, salt):
			raise WebhookRefused(401, _("Wrong vpbx_api_key or sign for this provider"))

	def parse_webhook(self, request: Request) -> list[CallEvent]:
		service = request.args.get("service")
		if not service:
			raise WebhookRefused(
				404,
				_("Mango Office posts to {0}events/call and the other services under it").format(
					self.settings.mango_events_url
				),
			)
		return inbound.events_of(self.name, service, read_json(request.form))

	def originate(self, request: OriginateRequest) -> None:
		line = request.caller_id or self.settings.mango_line_number
		self.api.post(
			"commands/callback",
			{
				# Mango reports the call's events with it: they reach the call the app recorded.
				"command_id": request.call_id,
				"from": {"extension": request.extension},
				# Mango writes numbers as digits, without the +.
				"to_number": request.number.lstrip("+"),
				**({"line_number": line} if line else {}),
			},
			# A callback is never sent twice: a 5xx may have placed the call.
			retry_pauses=(),
		)

	def hangup(self, call_id: str) -> None:
		leg = call_ids.live_leg(self.name, call_id)
		if not leg:
			raise ProviderCommandError(
				_("{0}: Mango Office reported no live leg of this call").format(self.name)
			)
		self.api.post(
			"commands/call/hangup",
			{"command_id": f"tcrm-hangup-{frappe.generate_hash(length=12)}", "call_id": leg},
		)

	def fetch_recording(self, call, byte_range: str | None = None) -> Recording:
		return recordings.fetch_recording(self.api, call.recording_id, byte_range)

	def recording_deletion_refusal(self) -> str | None:
		return _("Mango Office's API cannot delete recordings: delete them in the Mango Office account")
