"""Exotel: calls placed through its API (`Calls/connect`), reported by StatusCallback; inbound calls
reported by the Passthru applet of the flow; recordings from `RecordingUrl`.

Exotel documents no signature for either: the URL given to Exotel holds the webhook secret as
`&token=`, compared in constant time. Its v1 API has no way to hang up a call or delete a recording.
"""

from dataclasses import replace
from urllib.parse import urlsplit

import frappe
from frappe import _
from werkzeug.wrappers import Request, Response

from telephony_crm.calls.events import CallEvent
from telephony_crm.providers.base import (
	OriginateRequest,
	ProviderCommandError,
	Recording,
	TelephonyProvider,
	WebhookRefused,
)
from telephony_crm.providers.exotel import settings as exotel_settings
from telephony_crm.providers.exotel.api import ExotelApi, ExotelRefused
from telephony_crm.providers.exotel.events import (
	DEFAULT_TIME_ZONE,
	passthru_events,
	ringing_event,
	status_callback_events,
)
from telephony_crm.providers.fields import Fields, body_fields
from telephony_crm.providers.http import provider_request
from telephony_crm.providers.recording_fetch import range_header, streamed_recording
from telephony_crm.routing.route import route_number

# The Connect applet's "Dial whom" URL: the webhook URL with &exotel=dial-whom.
DIAL_WHOM = "dial-whom"
# Where Exotel keeps recordings: its S3 buckets (exotelrecordings/...) and its own hosts.
RECORDING_DOMAINS = ("amazonaws.com", "exotel.com", "exotel.in")


class ExotelProvider(TelephonyProvider):
	provider_type = "Exotel"
	# The Passthru applet can only GET.
	webhook_methods = ("GET", "POST")

	@classmethod
	def check_settings(cls, settings) -> None:
		exotel_settings.check_settings(settings)

	@property
	def api(self) -> ExotelApi:
		return ExotelApi(self.settings, self.secret("exotel_api_token"))

	@property
	def time_zone(self) -> str:
		return self.settings.exotel_time_zone or DEFAULT_TIME_ZONE

	def authenticate_webhook(self, request: Request) -> None:
		self.check_webhook_secret(
			request.args.get("token"),
			_("Missing secret: the URL given to Exotel must end with &token=<webhook secret>"),
		)
		if self.settings.exotel_confirm_calls:
			self._confirm_call(request)

	def _confirm_call(self, request: Request) -> None:
		"""The call must be one Exotel knows: it signs nothing, so its API is asked."""
		sid = (request.args if request.method == "GET" else body_fields(request)).get("CallSid")
		if not isinstance(sid, str) or not sid.isalnum():
			raise WebhookRefused(422, _("CallSid is required"), "CallSid")
		try:
			self.api.request("GET", f"Calls/{sid}.json", retry_pauses=())
		except ExotelRefused:
			raise WebhookRefused(401, _("Exotel knows no call {0}: the request was not Exotel's").format(sid))
		except ProviderCommandError as error:
			# The secret in the URL was right: an API that cannot be asked now loses no event.
			frappe.logger("telephony_crm.exotel").warning(f"{self.name}: call {sid} not confirmed: {error}")

	def parse_webhook(self, request: Request) -> list[CallEvent]:
		if request.method == "GET":
			fields = Fields(
				{k: v for k, v in request.args.items() if k not in ("provider", "token", "exotel")}
			)
			if request.args.get("exotel") == DIAL_WHOM:
				return self._dial_whom(fields)
			return passthru_events(self.name, self.time_zone, fields)
		return status_callback_events(self.name, self.time_zone, Fields(body_fields(request)))

	def _dial_whom(self, fields: Fields) -> list[CallEvent]:
		"""The Connect applet asks whom to dial: the responsible agent, when they are free (routing);
		the call rings there from now on, so that a call they miss is theirs."""
		call = ringing_event(self.name, self.time_zone, fields)
		self.route = route_number(self.name, call.caller_number)
		if self.route.extension:
			call = replace(call, extension=self.route.extension)
		return [call]

	def webhook_reply(self, request: Request, results) -> Response | None:
		if request.args.get("exotel") != DIAL_WHOM:
			return None
		# The number alone: the agent's, else the provider's Forward Number; nothing, and Exotel goes on
		# with the flow's own numbers.
		return Response(self.route.extension or self.route.forward or "", mimetype="text/plain")

	def originate(self, request: OriginateRequest) -> None:
		self.api.request(
			"POST",
			"Calls/connect.json",
			data={
				"From": request.extension,
				"To": request.number,
				"CallerId": request.caller_id or self.settings.exotel_caller_id,
				"Record": "true" if self.settings.exotel_record_calls else "false",
				# Exotel reports the call with it: its events reach the call the app recorded.
				"CustomField": request.call_id,
				"StatusCallback": f"{self.settings.webhook_url}&token={self.secret('webhook_secret')}",
				"StatusCallbackEvents[0]": "answered",
				"StatusCallbackEvents[1]": "terminal",
				"StatusCallbackContentType": "application/json",
			},
			# A call is never placed twice: a 5xx may have placed it.
			retry_pauses=(),
		)

	def fetch_recording(self, call, byte_range: str | None = None) -> Recording:
		url = call.recording_url or ""
		target = urlsplit(url)
		host = target.hostname or ""
		at_api = bool(url) and target.netloc == self.api.origin
		ours = target.scheme == "https" and any(
			host == domain or host.endswith("." + domain) for domain in RECORDING_DOMAINS
		)
		if not (ours or at_api):
			raise ProviderCommandError(
				_("{0}: the recording's address is not Exotel's ({1}) and was not fetched").format(
					self.name, target.netloc or "none"
				)
			)
		# Exotel's credentials go to Exotel's API only, never to a bucket.
		auth = (self.settings.exotel_api_key, self.api.token) if at_api else None
		audio = provider_request(
			self.name, "GET", url, stream=True, auth=auth, headers=range_header(byte_range)
		)
		return streamed_recording(audio)

	def recording_deletion_refusal(self) -> str | None:
		return _("Exotel's API cannot delete recordings: delete them in the Exotel dashboard")
