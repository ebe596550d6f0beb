"""Exotel on the provider conformance kit: the Passthru applet's GET after an inbound call, the
StatusCallback of a call placed through the API, and the API as a stub."""

import contextlib
from zoneinfo import ZoneInfo

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.providers.exotel.tests.stub_exotel import StubExotel
from telephony_crm.tests.client import WEBHOOK_PATH, post_webhook, request
from telephony_crm.tests.conformance.kit import (
	RING_SECONDS,
	TALK_SECONDS,
	CallPlan,
	ConformanceTests,
	ProviderKit,
	Scenario,
)

END = RING_SECONDS + TALK_SECONDS
EXOPHONE = "08047112233"
TIME_ZONE = "Asia/Kolkata"
UNREACHABLE_API = "http://127.0.0.1:9"  # nothing listens: a save's credential check fails fast
NO_RINGING = "Exotel reports no ringing at agents (its flow tells only who answered)"


class Request:
	"""One request Exotel makes: the Passthru applet's GET, or a StatusCallback's JSON POST."""

	def __init__(self, method: str, fields: dict):
		self.method = method
		self.fields = fields
		self.token: str | None = None  # None: the provider's secret; a forgery sets a wrong one or ""


class ExotelKit(ProviderKit):
	provider_type = "Exotel"
	unsupported = {
		Scenario.INBOUND_MISSED: f"{NO_RINGING}: a call nobody answered is recorded Missed, with no agent",
		Scenario.BUSY: "Exotel's flow reports no busy agent (CallType has no such outcome)",
		Scenario.GROUP_ANSWERED: NO_RINGING,
		Scenario.TRANSFERRED: "Exotel's flow reports no transfer",
		Scenario.OUTBOUND_ANSWERED: "Exotel reports only the outgoing calls placed through its API (click-to-call)",
		Scenario.OUTBOUND_NOT_ANSWERED: "Exotel reports only the outgoing calls placed through its API (click-to-call)",
		Scenario.REJECTED: "Exotel's v1 API has no way to hang up a call",
	}

	def __init__(self):
		self.sid = f"acme{frappe.generate_hash(length=6)}"
		self.key = frappe.generate_hash(length=20)
		self.token = frappe.generate_hash(length=20)

	def settings(self) -> dict:
		return {
			"exotel_api_base": UNREACHABLE_API,
			"exotel_account_sid": self.sid,
			"exotel_api_key": self.key,
			"exotel_api_token": self.token,
			"exotel_caller_id": EXOPHONE,
			"exotel_time_zone": TIME_ZONE,
		}

	def traffic(self, scenario: Scenario, plan: CallPlan) -> list[Request]:
		local = lambda seconds: plan.at(seconds).astimezone(ZoneInfo(TIME_ZONE)).strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
		if scenario in (Scenario.CLICK_TO_CALL_ANSWERED, Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER):
			placed = {
				"CallSid": frappe.generate_hash(length=32),
				"From": plan.first.extension,
				"To": plan.customer_number,
				"PhoneNumberSid": EXOPHONE,
				"Direction": "outbound-api",
				"CustomField": plan.call_id,
				"DateCreated": local(0),
			}
			if scenario == Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER:
				return [
					Request(
						"POST",
						{
							**placed,
							"EventType": "terminal",
							"Status": "no-answer",
							"DateUpdated": local(30),
							"ConversationDuration": 0,
						},
					)
				]
			return [
				Request(
					"POST",
					{
						**placed,
						"EventType": "answered",
						"Status": "in-progress",
						"StartTime": local(RING_SECONDS),
						"DateUpdated": local(RING_SECONDS),
					},
				),
				Request(
					"POST",
					{
						**placed,
						"EventType": "terminal",
						"Status": "completed",
						"StartTime": local(RING_SECONDS),
						"EndTime": local(END),
						"DateUpdated": local(END),
						"ConversationDuration": TALK_SECONDS,
						"RecordingUrl": "",
					},
				),
			]
		passthru = {
			"CallSid": plan.call_id,
			"CallFrom": plan.customer_number,
			"CallTo": EXOPHONE,
			"Direction": "incoming",
			"Created": local(0),
			"StartTime": local(0),
			"EndTime": local(END),
			"CurrentTime": local(END),
			"DialCallDuration": str(TALK_SECONDS),
			"CallType": "completed",
			"DialWhomNumber": plan.first.extension,
			"flow_id": "12345",
			"tenant_id": "678",
		}
		if scenario == Scenario.RECORDING:
			passthru["RecordingUrl"] = (
				f"https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/acme/{plan.call_id}.mp3"
			)
		return [Request("GET", passthru)]

	def deliver(self, case, provider, traffic: list[Request]) -> list[int]:
		secret = provider.get_password("webhook_secret")
		statuses = []
		for item in traffic:
			token = secret if item.token is None else item.token
			if item.method == "GET":
				query = {"provider": provider.name, **({"token": token} if token else {}), **item.fields}
				response = request("get", WEBHOOK_PATH, query_string=query)
			else:
				response = post_webhook(provider.name, item.fields, token=token or None)
			statuses.append(response.status_code)
		return statuses

	def forge(self, traffic: list[Request]) -> list[Request]:
		for i, item in enumerate(traffic):
			item.token = "" if i % 2 else "not-the-secret"
		return traffic

	@contextlib.contextmanager
	def command_api(self, case, provider):
		with StubExotel(self.sid, self.key, self.token) as stub:
			provider.db_set("exotel_api_base", stub.origin)
			frappe.db.commit()
			yield lambda: list(stub.commands)
		provider.db_set("exotel_api_base", UNREACHABLE_API)
		frappe.db.commit()


class TestExotelConformance(ConformanceTests, FrappeTestCase):
	kit = ExotelKit()
