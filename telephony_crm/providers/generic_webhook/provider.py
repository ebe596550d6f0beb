"""Generic Webhook: the JSON contract any PBX can implement (documented in the README)."""

from frappe import _
from werkzeug.wrappers import Request

from telephony_crm.calls.events import CallEvent
from telephony_crm.providers.base import (
	CallControl,
	LiveCall,
	OriginateRequest,
	TelephonyProvider,
	WebhookRefused,
	secrets_match,
)
from telephony_crm.providers.fields import body_fields
from telephony_crm.providers.generic_webhook.control import send_command
from telephony_crm.providers.generic_webhook.payload import parse_payload
from telephony_crm.providers.recording_fetch import RecordingsAtUrl

TOKEN_HEADER = "X-Telephony-Token"


class GenericWebhookProvider(RecordingsAtUrl, TelephonyProvider):
	provider_type = "Generic Webhook"
	# The contract has the commands; a PBX that cannot do one (attended transfers, say) answers 4xx.
	supported_call_controls = frozenset(CallControl)

	def recording_hosts(self) -> list[str]:
		return (self.settings.recording_hosts or "").split()

	def authenticate_webhook(self, request: Request) -> None:
		token = request.headers.get(TOKEN_HEADER) or request.args.get("token")
		if not token:
			raise WebhookRefused(
				401,
				_("Missing secret: send it as the {0} header or the token query parameter").format(
					TOKEN_HEADER
				),
			)
		if not secrets_match(token, self.secret("webhook_secret")):
			raise WebhookRefused(401, _("Wrong secret for this provider"))

	def parse_webhook(self, request: Request) -> list[CallEvent]:
		return [parse_payload(body_fields(request), self.name)]

	def originate(self, request: OriginateRequest) -> None:
		send_command(
			self.settings,
			{
				"action": "originate",
				"call_id": request.call_id,
				"extension": request.extension,
				"number": request.number,
				"caller_id": request.caller_id,
			},
		)

	def hangup(self, call_id: str) -> None:
		send_command(self.settings, {"action": "hangup", "call_id": call_id})

	def call_controls(self) -> frozenset[CallControl]:
		# Commands go to the Control URL: without one there is nowhere to send them.
		return self.supported_call_controls if self.settings.control_url else frozenset()

	def transfer(self, call: LiveCall, target_extension: str, attended: bool = False) -> None:
		send_command(
			self.settings,
			{
				"action": "transfer",
				"call_id": call.call_id,
				"extension": call.extension,
				"target": target_extension,
				"mode": "attended" if attended else "blind",
			},
		)

	def hold(self, call: LiveCall) -> None:
		send_command(self.settings, {"action": "hold", "call_id": call.call_id, "extension": call.extension})

	def resume(self, call: LiveCall) -> None:
		send_command(
			self.settings, {"action": "resume", "call_id": call.call_id, "extension": call.extension}
		)

	def recording_deletion_refusal(self) -> str | None:
		if not self.settings.control_url:
			return _("{0} has no Control URL to send the delete_recording command to").format(self.name)
		return None

	def delete_recording(self, call) -> None:
		send_command(
			self.settings,
			{"action": "delete_recording", "call_id": call.call_id, "recording_url": call.recording_url},
		)
