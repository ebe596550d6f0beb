"""Twilio on the provider conformance kit: its signed voice webhooks and status callbacks through the
webhook URL, each delivered when Twilio would send it, and its REST API as a stub."""

import contextlib
from email.utils import format_datetime
from unittest.mock import patch
from urllib.parse import urlencode

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.times import to_site_time
from telephony_crm.providers.twilio.signing import signature
from telephony_crm.providers.twilio.tests.stub_twilio import StubTwilio
from telephony_crm.tests.client import WEBHOOK_PATH, request
from telephony_crm.tests.conformance.kit import (
	RING_SECONDS,
	TALK_SECONDS,
	CallPlan,
	ConformanceTests,
	ProviderKit,
	Scenario,
)

END = RING_SECONDS + TALK_SECONDS
TWILIO_NUMBER = "+14155550100"
SIP_DOMAIN = "kit.sip.twilio.com"
UNREACHABLE_API = "http://127.0.0.1:9"  # nothing listens: a save's credential check fails fast
WRONG_SIGNATURE = "d3Jvbmc="


class TwilioRequest:
	"""One request Twilio makes: to which of the app's URLs (`args`), its form, and when (seconds after
	the call's start). Status callbacks carry that moment as their Timestamp."""

	def __init__(self, seconds: float, args: dict, form: dict, timestamped: bool = False):
		self.seconds = seconds
		self.args = args
		self.form = form
		self.timestamped = timestamped
		self.signature: str | None = None  # None: signed as Twilio signs; a forgery sets a wrong one or ""


class TwilioCall:
	"""The requests of one call, as Twilio makes them."""

	def __init__(self, plan: CallPlan, sid: str, direction: str):
		self.plan = plan
		self.sid = sid
		self.direction = direction

	def voice(self, caller: str, called: str) -> TwilioRequest:
		form = {
			"CallSid": self.sid,
			"From": caller,
			"To": called,
			"Direction": "inbound",
			"CallStatus": "ringing",
		}
		return TwilioRequest(0, {"twilio": "voice"}, form)

	def leg(self, kind: str, extension: str, seconds: float, status: str) -> TwilioRequest:
		form = {
			"CallSid": f"CA{frappe.generate_hash(length=32)}",
			"ParentCallSid": self.sid,
			"CallStatus": status,
			"Direction": "outbound-dial",
			"CallbackSource": "call-progress-events",
		}
		args = {"twilio": kind, "dir": self.direction, "call": self.sid, "ext": extension}
		return TwilioRequest(seconds, args, form, timestamped=True)

	def dial(self, seconds: float, status: str, duration: int = 0) -> TwilioRequest:
		form = {"CallSid": self.sid, "DialCallStatus": status, "DialCallDuration": str(duration)}
		return TwilioRequest(seconds, {"twilio": "dial", "dir": self.direction, "call": self.sid}, form)

	def recording(self, seconds: float, recording_sid: str) -> TwilioRequest:
		form = {"CallSid": self.sid, "RecordingSid": recording_sid, "RecordingStatus": "completed"}
		return TwilioRequest(seconds, {"twilio": "recording", "dir": self.direction, "call": self.sid}, form)


class TwilioKit(ProviderKit):
	provider_type = "Twilio"
	unsupported = {
		Scenario.TRANSFERRED: "a transfer on Twilio is new TwiML the app sends to the call, which it does not offer yet",
	}

	def __init__(self):
		self.sid = f"AC{frappe.generate_hash(length=32)}"
		self.token = frappe.generate_hash(length=32)

	def settings(self) -> dict:
		return {
			"twilio_api_base": UNREACHABLE_API,
			"twilio_account_sid": self.sid,
			"twilio_auth_token": self.token,
			"twilio_caller_id": TWILIO_NUMBER,
			"twilio_sip_domain": SIP_DOMAIN,
		}

	def extension(self, line) -> str:
		return f"sip:{line.extension}@{SIP_DOMAIN}"

	def traffic(self, scenario: Scenario, plan: CallPlan) -> list[TwilioRequest]:
		first, second = plan.first.extension, plan.second.extension
		if scenario in (Scenario.CLICK_TO_CALL_ANSWERED, Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER):
			call = TwilioCall(plan, plan.call_id, "out")
			if scenario == Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER:
				return [call.leg("agent", first, 0, "ringing"), call.leg("agent", first, 30, "no-answer")]
			return [
				call.leg("agent", first, 0, "ringing"),
				call.leg("agent", first, 3, "in-progress"),
				call.leg("leg", first, 3, "ringing"),
				call.leg("leg", first, RING_SECONDS, "in-progress"),
				call.dial(END, "completed", TALK_SECONDS),
				call.leg("agent", first, END, "completed"),
			]
		if scenario in (Scenario.OUTBOUND_ANSWERED, Scenario.OUTBOUND_NOT_ANSWERED):
			call = TwilioCall(plan, plan.call_id, "out")
			start = [
				call.voice(self.extension(plan.first), plan.customer_number),
				call.leg("leg", first, 0, "ringing"),
			]
			if scenario == Scenario.OUTBOUND_NOT_ANSWERED:
				return [*start, call.dial(30, "no-answer")]
			return [
				*start,
				call.leg("leg", first, RING_SECONDS, "in-progress"),
				call.dial(END, "completed", TALK_SECONDS),
			]
		call = TwilioCall(plan, plan.call_id, "in")
		voice = call.voice(plan.customer_number, TWILIO_NUMBER)
		answered = [
			voice,
			call.leg("leg", first, 0, "ringing"),
			call.leg("leg", first, RING_SECONDS, "in-progress"),
			call.dial(END, "completed", TALK_SECONDS),
		]
		return {
			Scenario.INBOUND_ANSWERED: answered,
			Scenario.DUPLICATES: answered,
			Scenario.OUT_OF_ORDER: answered,
			Scenario.RECORDING: [*answered, call.recording(END + 5, f"RE{frappe.generate_hash(length=32)}")],
			Scenario.INBOUND_MISSED: [
				voice,
				call.leg("leg", first, 0, "ringing"),
				call.leg("leg", first, RING_SECONDS, "no-answer"),
				call.dial(RING_SECONDS, "no-answer"),
			],
			Scenario.BUSY: [
				voice,
				call.leg("leg", first, 0, "ringing"),
				call.leg("leg", first, 1, "busy"),
				call.dial(1, "busy"),
			],
			Scenario.GROUP_ANSWERED: [
				voice,
				call.leg("leg", first, 0, "ringing"),
				call.leg("leg", second, 0, "ringing"),
				call.leg("leg", second, RING_SECONDS, "in-progress"),
				call.leg("leg", first, RING_SECONDS, "canceled"),
				call.dial(END, "completed", TALK_SECONDS),
			],
			Scenario.REJECTED: [voice, call.leg("leg", first, 0, "ringing")],
		}[scenario]

	def aftermath(self, scenario: Scenario, plan: CallPlan) -> list[TwilioRequest]:
		# The leg Twilio cancels once the app hung the call up: it changes nothing.
		return [TwilioCall(plan, plan.call_id, "in").leg("leg", plan.first.extension, 2, "canceled")]

	def deliver(self, case, provider, traffic: list[TwilioRequest]) -> list[int]:
		statuses = []
		for item in traffic:
			moment = case.current_plan.at(item.seconds)
			form = {**item.form, **({"Timestamp": format_datetime(moment)} if item.timestamped else {})}
			query = urlencode({"provider": provider.name, **item.args})
			signed = item.signature
			if signed is None:
				# The test client's requests reach http://localhost.
				signed = signature(self.token, f"http://localhost{WEBHOOK_PATH}?{query}", form)
			headers = {"X-Twilio-Signature": signed} if signed else {}
			# Delivered when Twilio sends it: the moment the app stamps the requests without a Timestamp with.
			with patch("telephony_crm.providers.arrivals.arrival_time", return_value=to_site_time(moment)):
				response = request("post", f"{WEBHOOK_PATH}?{query}", headers, data=form)
			statuses.append(response.status_code)
		return statuses

	def forge(self, traffic: list[TwilioRequest]) -> list[TwilioRequest]:
		for i, item in enumerate(traffic):
			item.signature = "" if i % 2 else WRONG_SIGNATURE
		return traffic

	@contextlib.contextmanager
	def command_api(self, case, provider):
		with StubTwilio(self.sid, self.token) as stub:
			provider.db_set("twilio_api_base", stub.origin)
			frappe.db.commit()
			yield lambda: [
				{key: command.get(key) for key in ("action", "extension", "number")}
				for command in stub.commands
			]
		provider.db_set("twilio_api_base", UNREACHABLE_API)
		frappe.db.commit()


class TestTwilioConformance(ConformanceTests, FrappeTestCase):
	kit = TwilioKit()

	def plan(self) -> CallPlan:
		# The kit delivers each request at its moment of this plan.
		self.current_plan = super().plan()
		return self.current_plan
