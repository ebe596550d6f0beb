"""Telphin (Телфин) cloud PBX: extension events as webhooks, commands and recordings through its REST API.

Webhooks carry no signature: the app's event URL holds the webhook secret as `?token=`, compared in
constant time. No API call is made on the webhook path.
"""

from frappe import _
from werkzeug.wrappers import Request

from telephony_crm.calls.events import CallEvent
from telephony_crm.providers.base import (
	OriginateRequest,
	Recording,
	TelephonyProvider,
	WebhookRefused,
)
from telephony_crm.providers.telphin import connect, control
from telephony_crm.providers.telphin.client import TelphinClient
from telephony_crm.providers.telphin.events import call_events


class TelphinProvider(TelephonyProvider):
	provider_type = "Telphin"
	# The callback API names the call it places (the app records it under that name).
	names_placed_calls = True

	@classmethod
	def check_settings(cls, settings) -> None:
		connect.validate_credentials(settings)

	@classmethod
	def settings_saved(cls, settings) -> None:
		connect.on_settings_update(settings)

	def authenticate_webhook(self, request: Request) -> None:
		self.check_webhook_secret(
			request.args.get("token"),
			_("Missing secret: the event URL must end with &token=<webhook secret>"),
		)

	def parse_webhook(self, request: Request) -> list[CallEvent]:
		if request.is_json:
			raise WebhookRefused(422, _("Telphin events are form fields (application/x-www-form-urlencoded)"))
		return call_events(self.name, request.form)

	def originate(self, request: OriginateRequest) -> str:
		return control.place_callback(self.client, request)

	def hangup(self, call_id: str) -> None:
		control.hang_up(self.client, call_id)

	def fetch_recording(self, call, byte_range: str | None = None) -> Recording:
		return control.fetch_recording(self.client, call.recording_id, byte_range)

	def recording_deletion_refusal(self) -> str | None:
		return None

	def delete_recording(self, call) -> None:
		control.delete_recording(self.client, call.recording_id)

	@property
	def client(self) -> TelphinClient:
		return TelphinClient.for_doc(self.settings)
