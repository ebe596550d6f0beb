"""Zadarma on the provider conformance kit: its signed form notifications through the webhook URL, each
delivered when Zadarma would send it (the app stamps them on arrival), and its REST API as a stub."""

import contextlib
from unittest.mock import patch
from zoneinfo import ZoneInfo

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.times import to_site_time
from telephony_crm.providers.zadarma.signing import webhook_signature
from telephony_crm.providers.zadarma.tests.stub_zadarma import StubZadarma
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
TIME_ZONE = "Europe/Moscow"
UNREACHABLE_API = "http://127.0.0.1:9"  # nothing listens: a save's credential check fails fast
WRONG_SIGNATURE = "d3Jvbmc="


class Notification:
	"""One notification: its form, and when (seconds after the call's start) Zadarma sends it."""

	def __init__(self, seconds: float, **form):
		self.seconds = seconds
		self.form = form
		self.signature: str | None = None  # None: signed as Zadarma signs; a forgery sets a wrong one or ""


class ZadarmaCall:
	"""The notifications of one call, as Zadarma writes them (numbers as digits, local start time)."""

	def __init__(self, plan: CallPlan, pbx_call_id: str):
		self.plan = plan
		self.customer = plan.customer_number.lstrip("+")
		self.base = {
			"pbx_call_id": pbx_call_id,
			"call_start": plan.start.astimezone(ZoneInfo(TIME_ZONE)).strftime("%Y-%m-%d %H:%M:%S"),
		}

	def inbound(self, event: str, seconds: float, **form) -> Notification:
		return Notification(
			seconds, event=event, **self.base, caller_id=self.customer, called_did=DID, **form
		)

	def start(self) -> Notification:
		return self.inbound("NOTIFY_START", 0)

	def ring(self, extension: str, seconds: float = 0) -> Notification:
		return self.inbound("NOTIFY_INTERNAL", seconds, internal=extension)

	def answer(self, extension: str, seconds: float = RING_SECONDS) -> Notification:
		return Notification(
			seconds,
			event="NOTIFY_ANSWER",
			**self.base,
			caller_id=self.customer,
			destination=extension,
			internal=extension,
		)

	def end(self, extension: str, seconds: float, disposition: str, duration: int, **form) -> Notification:
		fields = {
			"internal": extension,
			"duration": str(duration),
			"disposition": disposition,
			"status_code": "16" if disposition == "answered" else "19",
			"is_recorded": "0",
			**form,
		}
		return self.inbound("NOTIFY_END", seconds, **fields)

	def out(self, event: str, extension: str, seconds: float, **form) -> Notification:
		return Notification(
			seconds, event=event, **self.base, internal=extension, destination=self.customer, **form
		)

	def out_end(self, extension: str, seconds: float, disposition: str, duration: int) -> Notification:
		return self.out(
			"NOTIFY_OUT_END",
			extension,
			seconds,
			duration=str(duration),
			disposition=disposition,
			status_code="16",
			is_recorded="0",
		)


class ZadarmaKit(ProviderKit):
	provider_type = "Zadarma"
	unsupported = {
		Scenario.REJECTED: "Zadarma's API has no way to hang up a call (only an IVR scenario's reply can)",
	}

	def __init__(self):
		self.key = frappe.generate_hash(length=20)
		self.secret = frappe.generate_hash(length=20)

	def settings(self) -> dict:
		return {
			"zadarma_api_key": self.key,
			"zadarma_api_secret": self.secret,
			"zadarma_api_base": UNREACHABLE_API,
			"zadarma_time_zone": TIME_ZONE,
		}

	def traffic(self, scenario: Scenario, plan: CallPlan) -> list[Notification]:
		first, second = plan.first.extension, plan.second.extension
		if scenario in (Scenario.CLICK_TO_CALL_ANSWERED, Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER):
			# Zadarma names the callback's call itself; the app knows it by its extension and number.
			call = ZadarmaCall(plan, plan.extra.setdefault("pbx_call_id", f"out_{frappe.generate_hash(12)}"))
			if scenario == Scenario.CLICK_TO_CALL_ANSWERED:
				return [
					call.out("NOTIFY_OUT_START", first, 0),
					call.out_end(first, END, "answered", TALK_SECONDS),
				]
			return [call.out_end(first, 30, "no answer", 0)]
		call = ZadarmaCall(plan, plan.call_id)
		answered = [
			call.start(),
			call.ring(first),
			call.answer(first),
			call.end(first, END, "answered", TALK_SECONDS),
		]
		return {
			Scenario.INBOUND_ANSWERED: answered,
			Scenario.DUPLICATES: answered,
			Scenario.OUT_OF_ORDER: answered,
			Scenario.RECORDING: [
				*answered[:3],
				call.end(
					first, END, "answered", TALK_SECONDS, is_recorded="1", call_id_with_rec="1717405200.1"
				),
				Notification(
					END + 40, event="NOTIFY_RECORD", pbx_call_id=plan.call_id, call_id_with_rec="1717405200.1"
				),
			],
			Scenario.INBOUND_MISSED: [
				call.start(),
				call.ring(first),
				call.end(first, RING_SECONDS, "cancel", 0),
			],
			Scenario.BUSY: [call.start(), call.ring(first), call.end(first, 1, "busy", 0)],
			Scenario.GROUP_ANSWERED: [
				call.start(),
				call.ring(first),
				call.ring(second),
				call.answer(second),
				call.end(second, END, "answered", TALK_SECONDS),
			],
			Scenario.TRANSFERRED: [
				call.start(),
				call.ring(first),
				call.answer(first),
				call.ring(second, 10),
				call.answer(second, 12),
				call.end(second, END, "answered", END - 12),
			],
			Scenario.OUTBOUND_ANSWERED: [
				call.out("NOTIFY_OUT_START", first, 0),
				call.out_end(first, END, "answered", TALK_SECONDS),
			],
			Scenario.OUTBOUND_NOT_ANSWERED: [
				call.out("NOTIFY_OUT_START", first, 0),
				call.out_end(first, 30, "no answer", 0),
			],
		}[scenario]

	def deliver(self, case, provider, traffic: list[Notification]) -> list[int]:
		statuses = []
		for notification in traffic:
			signature = notification.signature
			if signature is None:
				signature = webhook_signature(self.secret, notification.form["event"], notification.form)
			headers = {"Signature": signature} if signature else {}
			# Delivered when Zadarma sends it: the moment the app stamps it with.
			arrival = to_site_time(case.current_plan.at(notification.seconds))
			with patch("telephony_crm.providers.arrivals.arrival_time", return_value=arrival):
				response = post_webhook(provider.name, data=notification.form, headers=headers)
			statuses.append(response.status_code)
		return statuses

	def forge(self, traffic: list[Notification]) -> list[Notification]:
		# Every other notification with a wrong signature, the others with none.
		for i, notification in enumerate(traffic):
			notification.signature = "" if i % 2 else WRONG_SIGNATURE
		return traffic

	@contextlib.contextmanager
	def command_api(self, case, provider):
		with StubZadarma(self.key, self.secret) as stub:
			provider.db_set("zadarma_api_base", stub.origin)
			frappe.db.commit()
			yield lambda: list(stub.commands)
		provider.db_set("zadarma_api_base", UNREACHABLE_API)
		frappe.db.commit()


class TestZadarmaConformance(ConformanceTests, FrappeTestCase):
	kit = ZadarmaKit()

	def plan(self) -> CallPlan:
		# The kit delivers each notification at its moment of this plan.
		self.current_plan = super().plan()
		return self.current_plan
