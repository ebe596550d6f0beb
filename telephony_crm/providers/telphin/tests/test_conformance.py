"""Telphin on the provider conformance kit: its form-encoded extension events through the webhook URL,
and its REST API as a stub on 127.0.0.1."""

import contextlib
import time

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.providers.telphin.tests.fixtures import CLIENT_PREFIX, EXTENSIONS
from telephony_crm.providers.telphin.tests.site import stub_api
from telephony_crm.tests.client import post_webhook
from telephony_crm.tests.conformance.kit import (
	RING_SECONDS,
	TALK_SECONDS,
	CallPlan,
	ConformanceTests,
	ProviderKit,
	Scenario,
)

END = RING_SECONDS + TALK_SECONDS
DID = "74951234567"
EXTENSION_IDS = {row["name"]: str(row["id"]) for row in EXTENSIONS}
QUEUE = f"{CLIENT_PREFIX}*500"
FORGED_TOKEN = "__token"  # a forged event carries the secret it is sent with (None: none)


class Leg:
	"""One SubCallID of a call, as the events of its extension report it."""

	def __init__(self, call_id: str, start: float, extension: str, flow: str, **fields):
		self.start = start
		self.flow = flow
		self.fields = {
			"CallID": call_id,
			"SubCallID": f"{EXTENSION_IDS[extension]}-{frappe.generate_hash(length=32)}",
			"CallAPIID": f"3587401122-{frappe.generate_hash(length=24)}",
			"CallFlow": flow,
			**fields,
		}

	def ring(self, seconds: float, **fields) -> dict:
		return self.event("dial-in" if self.flow == "in" else "dial-out", seconds, "CALLING", **fields)

	def answer(self, seconds: float) -> dict:
		return self.event("answer", seconds, "ANSWER")

	def hangup(self, seconds: float, status: str, **fields) -> dict:
		return self.event("hangup", seconds, status, **fields)

	def event(self, event_type: str, seconds: float, status: str, **fields) -> dict:
		micros = round((self.start + seconds) * 1_000_000)
		return {
			**self.fields,
			"EventType": event_type,
			"CallStatus": status,
			"EventTime": str(micros),
			**fields,
		}


def extension_fields(side: str, extension: str) -> dict:
	return {
		f"{side}Number" if side == "Called" else "CallerIDNum": extension,
		f"{side}Extension": f"{extension}@sipproxy.telphin.ru",
		f"{side}ExtensionID": EXTENSION_IDS[extension],
	}


class TelphinKit(ProviderKit):
	provider_type = "Telphin"

	def extension(self, line) -> str:
		return f"{CLIENT_PREFIX}*{line.extension}"

	def traffic(self, scenario: Scenario, plan: CallPlan) -> list[dict]:
		start = plan.start.timestamp()
		first, second = self.extension(plan.first), self.extension(plan.second)
		customer = {"CallerIDNum": plan.customer_number, "CalledDID": DID}

		def inbound(extension, **fields):
			return Leg(
				plan.call_id,
				start,
				extension,
				"in",
				**customer,
				**extension_fields("Called", extension),
				**fields,
			)

		def outbound(call_id, **fields):
			return Leg(
				call_id,
				start,
				first,
				"out",
				**extension_fields("Caller", first),
				CalledNumber=plan.customer_number,
				**fields,
			)

		a, b = inbound(first), inbound(second)
		queue = Leg(
			plan.call_id,
			start,
			QUEUE,
			"in",
			**customer,
			CalledNumber=QUEUE,
			CalledExtensionID=EXTENSION_IDS[QUEUE],
		)
		answered = [a.ring(0), a.answer(RING_SECONDS), a.hangup(END, "ANSWER")]
		if scenario in (Scenario.CLICK_TO_CALL_ANSWERED, Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER):
			return self._callback_traffic(scenario, plan, outbound)
		if scenario == Scenario.TRANSFERRED:
			return self._transfer_traffic(plan, a, inbound, first, second)
		out = outbound(plan.call_id)
		return {
			Scenario.INBOUND_ANSWERED: answered,
			Scenario.DUPLICATES: answered,
			Scenario.OUT_OF_ORDER: answered,
			Scenario.RECORDING: [
				*answered[:2],
				a.hangup(END, "ANSWER", RecID=f"412345-{frappe.generate_hash(length=32)}"),
			],
			# Through a queue: the phone's leg ends as the caller gives up, and the queue says nobody answered.
			Scenario.INBOUND_MISSED: [
				a.ring(0),
				a.hangup(RING_SECONDS, "CANCEL"),
				queue.hangup(RING_SECONDS, "CANCEL", Bridged="no"),
			],
			Scenario.BUSY: [a.ring(0), a.hangup(1, "BUSY")],
			Scenario.GROUP_ANSWERED: [
				a.ring(0),
				b.ring(0),
				b.answer(RING_SECONDS),
				a.hangup(RING_SECONDS, "CANCEL"),
				b.hangup(END, "ANSWER"),
				queue.hangup(END, "ANSWER", Bridged="yes"),
			],
			Scenario.OUTBOUND_ANSWERED: [out.ring(0), out.answer(RING_SECONDS), out.hangup(END, "ANSWER")],
			Scenario.OUTBOUND_NOT_ANSWERED: [out.ring(0), out.hangup(30, "NOANSWER")],
			Scenario.REJECTED: [plan.extra.setdefault("ringing", a.ring(0))],
		}[scenario]

	def _transfer_traffic(self, plan, a, inbound, first, second) -> list[dict]:
		"""101 answers, then transfers to 102: a dial-out leg of 101 to 102 (Transfered=yes), and a
		dial-in leg at 102 with the client as RemoteNumber; 101's legs end while 102's goes on."""
		transfer = Leg(
			plan.call_id,
			plan.start.timestamp(),
			first,
			"out",
			**extension_fields("Caller", first),
			CalledNumber=second,
			Transfered="yes",
		)
		target = inbound(second, RemoteNumber=plan.customer_number)
		target.fields.update(extension_fields("Caller", first))
		return [
			a.ring(0),
			a.answer(RING_SECONDS),
			transfer.ring(10),
			target.ring(10),
			transfer.answer(12),
			target.answer(12),
			a.hangup(12, "ANSWER"),
			transfer.hangup(12, "ANSWER"),
			target.hangup(END, "ANSWER"),
		]

	def _callback_traffic(self, scenario, plan, outbound) -> list[dict]:
		"""The callback rings the agent, then dials out, with the callback's id as CallBackID. Both forms
		of the ids: the answered call under the callback's call_id as CallID; the other under a CallID of
		its own, the CallBackID on the first event only (later ones are known by that CallID)."""
		if scenario == Scenario.CLICK_TO_CALL_ANSWERED:
			leg = outbound(plan.call_id)
			return [leg.ring(0, CallBackID=plan.call_id), leg.answer(RING_SECONDS), leg.hangup(END, "ANSWER")]
		leg = outbound(frappe.generate_hash(length=32))
		return [leg.ring(0, CallBackID=plan.call_id), leg.hangup(30, "NOANSWER")]

	def aftermath(self, scenario: Scenario, plan: CallPlan) -> list[dict]:
		# The hangup Telphin reports once the app's DELETE of the leg is done: now.
		[ringing] = self.traffic(Scenario.REJECTED, plan)
		return [
			{
				**ringing,
				"EventType": "hangup",
				"CallStatus": "CANCEL",
				"EventTime": str(time.time_ns() // 1000),
			}
		]

	def deliver(self, case, provider, traffic: list[dict]) -> list[int]:
		secret = provider.get_password("webhook_secret")
		return [
			post_webhook(
				provider.name, data=_without_token(event), token=event.get(FORGED_TOKEN, secret)
			).status_code
			for event in traffic
		]

	def forge(self, traffic: list[dict]) -> list[dict]:
		# Every other event with a wrong secret, the others with none.
		return [
			{**event, FORGED_TOKEN: None if i % 2 else "not-the-secret"} for i, event in enumerate(traffic)
		]

	@contextlib.contextmanager
	def command_api(self, case, provider):
		with stub_api(provider) as stub:
			yield lambda: list(stub.commands)


def _without_token(event: dict) -> dict:
	return {key: value for key, value in event.items() if key != FORGED_TOKEN}


class TestTelphinConformance(ConformanceTests, FrappeTestCase):
	kit = TelphinKit()
