"""The Generic Webhook on the provider conformance kit: JSON events, and commands to a stub PBX."""

import contextlib

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.tests.client import post_webhook
from telephony_crm.tests.conformance.kit import (
	RING_SECONDS,
	TALK_SECONDS,
	CallPlan,
	ConformanceTests,
	ProviderKit,
	Scenario,
)
from telephony_crm.tests.stub_pbx import StubPBX

END = RING_SECONDS + TALK_SECONDS


class GenericWebhookKit(ProviderKit):
	provider_type = "Generic Webhook"

	def traffic(self, scenario: Scenario, plan: CallPlan) -> list[dict]:
		first, second = plan.first.extension, plan.second.extension
		inbound = {"direction": "inbound", "from": plan.customer_number, "to": "+74951234567"}
		outbound = {"direction": "outbound", "from": first, "to": plan.customer_number}

		def event(name, seconds, extension=None, **fields):
			return {
				"event": name,
				"call_id": plan.call_id,
				"timestamp": plan.at(seconds).isoformat(),
				**({"extension": extension} if extension else {}),
				**fields,
			}

		answered_inbound = [
			event("ringing", 0, first, **inbound),
			event("answered", RING_SECONDS, first),
			event("ended", END),
		]
		return {
			Scenario.INBOUND_ANSWERED: answered_inbound,
			Scenario.DUPLICATES: answered_inbound,
			Scenario.OUT_OF_ORDER: answered_inbound,
			Scenario.RECORDING: [
				*answered_inbound,
				event("ended", END, recording_url="https://pbx.example.com/r/1.mp3"),
			],
			Scenario.INBOUND_MISSED: [event("ringing", 0, first, **inbound), event("ended", RING_SECONDS)],
			Scenario.BUSY: [event("ringing", 0, first, **inbound), event("ended", 1, status="busy")],
			Scenario.GROUP_ANSWERED: [
				event("ringing", 0, first, **inbound),
				event("ringing", 0, second),
				event("answered", RING_SECONDS, second),
				event("ended", END),
			],
			Scenario.TRANSFERRED: [
				event("ringing", 0, first, **inbound),
				event("answered", RING_SECONDS, first),
				event("ringing", 10, second),
				event("answered", 12, second),
				event("ended", END),
			],
			Scenario.OUTBOUND_ANSWERED: [
				event("ringing", 0, first, **outbound),
				event("answered", RING_SECONDS, first),
				event("ended", END),
			],
			Scenario.OUTBOUND_NOT_ANSWERED: [event("ringing", 0, first, **outbound), event("ended", 30)],
			# The app recorded the placed call already; the PBX reports it under the id it was given.
			Scenario.CLICK_TO_CALL_ANSWERED: [
				event("answered", RING_SECONDS, first),
				event("ended", END),
			],
			Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER: [event("ended", 30, first, status="no_answer")],
			Scenario.REJECTED: [event("ringing", 0, first, **inbound)],
		}[scenario]

	def aftermath(self, scenario: Scenario, plan: CallPlan) -> list[dict]:
		return [{"event": "ended", "call_id": plan.call_id, "status": "rejected"}]

	def deliver(self, case, provider, traffic: list[dict]) -> list[int]:
		secret = provider.get_password("webhook_secret")
		return [
			post_webhook(
				provider.name, _without_token(event), token=event.get(FORGED_TOKEN, secret)
			).status_code
			for event in traffic
		]

	def forge(self, traffic: list[dict]) -> list[dict]:
		return [{**event, FORGED_TOKEN: "not-the-secret"} for event in traffic]

	@contextlib.contextmanager
	def command_api(self, case, provider):
		with StubPBX() as stub:
			provider.db_set("control_url", stub.url)
			frappe.db.commit()
			yield lambda: [command["json"] for command in stub.commands]
		provider.db_set("control_url", None)
		frappe.db.commit()


FORGED_TOKEN = "__token"  # a forged event carries the secret it is sent with


def _without_token(event: dict) -> dict:
	return {key: value for key, value in event.items() if key != FORGED_TOKEN}


class TestGenericWebhookConformance(ConformanceTests, FrappeTestCase):
	kit = GenericWebhookKit()
