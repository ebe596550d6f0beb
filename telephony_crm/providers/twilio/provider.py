"""Twilio Programmable Voice: signed webhooks answered with TwiML (whom to dial next), calls placed and
hung up through the Calls API, recordings through the Recordings API.

An inbound call to the Twilio number rings every enabled line of the provider at once (a SIP endpoint
on the account's SIP domain, or a Twilio Client identity), each leg reporting its progress; when no line
picks it up (or there is none), it goes on to the provider's Forward Number, if any, for its dial
timeout. An agent's endpoint dialling out through Twilio dials the number. Every URL Twilio calls back
is the app's webhook URL with what the request concerns added (events), so that no state is kept
between requests.
"""

from urllib.parse import urlencode

import frappe
from frappe import _
from werkzeug.wrappers import Request, Response

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.providers.base import OriginateRequest, Recording, TelephonyProvider, WebhookRefused
from telephony_crm.providers.fields import Fields
from telephony_crm.providers.recording_fetch import range_header, streamed_recording
from telephony_crm.providers.twilio import settings as twilio_settings
from telephony_crm.providers.twilio import twiml
from telephony_crm.providers.twilio.api import TwilioApi
from telephony_crm.providers.twilio.events import agent_extension, call_events
from telephony_crm.providers.twilio.signing import is_signed
from telephony_crm.routing.forwarding import dial_timeout

RING_SECONDS = 30
# How an inbound <Dial> of the lines ended when the call goes on to the Forward Number (not when the
# caller hung up: `canceled`, nor when a line answered).
NOT_PICKED_UP = ("no-answer", "busy", "failed")


class TwilioProvider(TelephonyProvider):
	provider_type = "Twilio"

	@classmethod
	def check_settings(cls, settings) -> None:
		twilio_settings.check_settings(settings)

	@property
	def api(self) -> TwilioApi:
		return TwilioApi(self.settings, self.secret("twilio_auth_token"))

	def authenticate_webhook(self, request: Request) -> None:
		token = self.secret("twilio_auth_token")
		if not token:
			raise WebhookRefused(
				401, _("{0} has no Twilio auth token to check signatures with").format(self.name)
			)
		given = request.headers.get("X-Twilio-Signature")
		if not given:
			raise WebhookRefused(401, _("Unsigned request: the X-Twilio-Signature header is required"))
		if not is_signed(token, self.requested_url(request), request.form, given):
			raise WebhookRefused(
				401,
				_("Wrong X-Twilio-Signature for {0} (behind a proxy, set the Public Site URL)").format(
					self.requested_url(request).split("?", 1)[0]
				),
			)

	def requested_url(self, request: Request) -> str:
		"""The URL as Twilio requested it: the address it reached (the Public Site URL, where a proxy
		changes it), the path and the raw query."""
		base = (self.settings.twilio_public_url or request.host_url).rstrip("/")
		query = request.query_string.decode()
		return f"{base}{request.path}" + (f"?{query}" if query else "")

	def parse_webhook(self, request: Request) -> list[CallEvent]:
		events = call_events(self.name, Fields(request.args.to_dict()), Fields(request.form.to_dict()))
		if (
			request.args.get("twilio") == "voice"
			and events[0].direction == Direction.INBOUND
			and not self.lines()
		):
			# Nobody to ring: the call ends here, and says why.
			events.append(
				CallEvent(
					provider=self.name,
					call_id=events[0].call_id,
					event=EventType.ENDED,
					time=events[0].time,
					end_status=CallStatus.MISSED,
					raw_status="no enabled line to ring",
				)
			)
		return events

	def webhook_reply(self, request: Request, results) -> Response:
		kind = request.args.get("twilio")
		form = request.form
		verbs = ()
		if kind == "voice":
			sid = form.get("CallSid")
			agent = agent_extension(form.get("From"))
			if agent:
				verbs = (self._dial([(form.get("To"), agent)], "out", sid),)
			elif lines := self.lines():
				verbs = (self._dial([(self.endpoint(line), line) for line in lines], "in", sid),)
			else:
				verbs = self._forward()
		elif kind == "dial":
			unanswered = request.args.get("dir") == "in" and form.get("DialCallStatus") in NOT_PICKED_UP
			verbs = (unanswered and self._forward()) or (twiml.hangup(),)
		return Response(twiml.response(*verbs), mimetype="text/xml")

	def originate(self, request: OriginateRequest) -> None:
		caller_id = request.caller_id or self.settings.twilio_caller_id
		dial_number = twiml.response(
			self._dial([(request.number, request.extension)], "out", request.call_id)
		)
		self.api.request(
			"POST",
			"Calls.json",
			data=[
				("To", self.endpoint(request.extension)),
				("From", caller_id),
				("Twiml", dial_number),
				("StatusCallback", self.callback_url("agent", "out", request.call_id, request.extension)),
				*(("StatusCallbackEvent", event) for event in twiml.LEG_EVENTS.split()),
				("Timeout", str(RING_SECONDS)),
			],
			# A call is never placed twice: a 5xx may have placed it.
			retry_pauses=(),
		)

	def hangup(self, call_id: str) -> None:
		self.api.request("POST", f"Calls/{call_id}.json", data={"Status": "completed"})

	def fetch_recording(self, call, byte_range: str | None = None) -> Recording:
		audio = self.api.request(
			"GET", f"Recordings/{call.recording_id}.mp3", stream=True, headers=range_header(byte_range)
		)
		return streamed_recording(audio)

	def recording_deletion_refusal(self) -> str | None:
		return None

	def delete_recording(self, call) -> None:
		# Gone already (404) is done too.
		self.api.request("DELETE", f"Recordings/{call.recording_id}.json", ok_statuses=(404,))

	def lines(self) -> list[str]:
		"""The extensions of the provider's enabled lines, rung together for an inbound call."""
		return frappe.get_all(
			"SIP Account", {"provider": self.name, "enabled": 1}, pluck="extension", order_by="extension"
		)

	def endpoint(self, extension: str) -> str:
		"""How Twilio dials a line: a Client identity, a SIP address, or `sip:<ext>@<SIP domain>`."""
		if extension.startswith(("client:", "sip:")):
			return extension
		return f"sip:{extension}@{self.settings.twilio_sip_domain}"

	def callback_url(self, kind: str, direction: str, call_id: str, extension: str | None = None) -> str:
		params = {
			"twilio": kind,
			"dir": direction,
			"call": call_id,
			**({"ext": extension} if extension else {}),
		}
		return f"{self.settings.webhook_url}&{urlencode(params)}"

	def _forward(self) -> tuple[str, ...]:
		"""<Dial> the provider's Forward Number for its dial timeout; nothing without one. The call is
		recorded as missed by the app's lines already: the forwarded leg reports nothing."""
		forward = self.settings.forward_number
		return (twiml.dial([twiml.number(forward)], None, dial_timeout(self.settings)),) if forward else ()

	def _dial(self, legs: list[tuple[str, str]], direction: str, call_id: str) -> str:
		"""<Dial> each (address, extension): its leg reports as that extension (the line it rings, or the
		agent whose call it dials)."""
		return twiml.dial(
			[
				twiml.endpoint(address, self.callback_url("leg", direction, call_id, extension))
				for address, extension in legs
			],
			action=self.callback_url("dial", direction, call_id),
			timeout=RING_SECONDS,
			caller_id=self.settings.twilio_caller_id if direction == "out" else None,
			recording_callback=self.callback_url("recording", direction, call_id)
			if self.settings.twilio_record_calls
			else None,
		)
