"""Mango Office on the provider conformance kit: signed form posts of events/call (with seq),
events/summary and events/recording, through the /telephony/mango/<provider>/ route; commands to a
stub of Mango's API."""

import contextlib

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.providers.mango.tests.delivery import post_service, signed
from telephony_crm.providers.mango.tests.stub_mango import StubMango
from telephony_crm.tests.conformance.kit import (
	RING_SECONDS,
	TALK_SECONDS,
	CallPlan,
	ConformanceTests,
	ProviderKit,
	Scenario,
)

END = RING_SECONDS + TALK_SECONDS
LINE = "74951234567"
UNREACHABLE_API = "http://127.0.0.1:9/vpbx/"  # nothing listens: a save's credential check fails fast
INBOUND, OUTBOUND = 1, 2


class MangoCall:
	"""One scenario's traffic as Mango posts it: legs numbered by seq, then the summary."""

	def __init__(self, plan: CallPlan, entry_id: str, command_id: str | None = None):
		self.plan, self.entry_id, self.command_id = plan, entry_id, command_id
		self.seq = 0
		self.customer = plan.customer_number.lstrip("+")

	def ext(self, line) -> dict:
		return {"extension": line.extension, "number": f"sip:{line.extension}@kit.mangosip.ru"}

	def leg(self, leg: str, seconds: float, state: str, caller: dict, callee: dict, **fields) -> dict:
		self.seq += 1
		payload = {
			"entry_id": self.entry_id,
			"call_id": f"{self.entry_id}-{leg}",
			"timestamp": self.time(seconds),
			"seq": self.seq,
			"call_state": state,
			"location": "abonent",
			"from": caller,
			"to": callee,
			**({"command_id": self.command_id} if self.command_id else {}),
			**fields,
		}
		return {"service": "events/call", "json": payload}

	def inbound_leg(self, leg: str, seconds: float, state: str, line, **fields) -> dict:
		callee = {**self.ext(line), "line_number": LINE}
		return self.leg(leg, seconds, state, {"number": self.customer}, callee, **fields)

	def summary(self, direction: int, caller: dict, callee: dict, end: float, talk: int, reason: int) -> dict:
		payload = {
			"entry_id": self.entry_id,
			"call_direction": direction,
			"from": caller,
			"to": callee,
			"line_number": LINE,
			"create_time": self.time(0),
			"forward_time": self.time(0),
			"talk_time": talk,
			"end_time": self.time(end),
			"entry_result": int(talk > 0),
			"disconnect_reason": reason,
		}
		return {"service": "events/summary", "json": payload}

	def recording(self, seconds: float, state: str, seq: int) -> dict:
		payload = {
			"recording_id": f"rec-{self.entry_id}",
			"recording_state": state,
			"seq": seq,
			"entry_id": self.entry_id,
			"call_id": f"{self.entry_id}-a",
			"extension": self.plan.first.extension,
			"timestamp": self.time(seconds),
			**({"completion_code": 1000, "recipient": "Cloud"} if state == "Completed" else {}),
		}
		return {"service": "events/recording", "json": payload}

	def time(self, seconds: float) -> int:
		return int(self.plan.at(seconds).timestamp())


class MangoKit(ProviderKit):
	provider_type = "Mango Office"

	def __init__(self):
		self.posted_results: list[dict] = []  # what the stub's Mango posts back after a command

	def settings(self) -> dict:
		return {
			"mango_api_key": frappe.generate_hash(length=32),
			"mango_api_salt": frappe.generate_hash(length=32),
			"mango_api_base": UNREACHABLE_API,
		}

	def traffic(self, scenario: Scenario, plan: CallPlan) -> list[dict]:
		if scenario in (Scenario.CLICK_TO_CALL_ANSWERED, Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER):
			return self._placed_call(scenario, plan)
		call = MangoCall(plan, plan.call_id)
		first, second = plan.first, plan.second
		caller = {"number": call.customer}
		ext = call.ext

		def inbound_summary(line, end, talk, reason):
			return call.summary(INBOUND, caller, {"extension": line.extension}, end, talk, reason)

		if scenario in (
			Scenario.INBOUND_ANSWERED,
			Scenario.DUPLICATES,
			Scenario.OUT_OF_ORDER,
			Scenario.RECORDING,
		):
			answered = [
				call.inbound_leg("a", 0, "Appeared", first),
				call.inbound_leg("a", RING_SECONDS, "Connected", first),
				call.inbound_leg("a", END, "Disconnected", first, disconnect_reason=1110),
				inbound_summary(first, END, TALK_SECONDS, 1110),
			]
			if scenario != Scenario.RECORDING:
				return answered
			return [
				call.recording(RING_SECONDS, "Started", 1),
				*answered,
				call.recording(END + 1, "Completed", 2),
			]
		if scenario == Scenario.INBOUND_MISSED:
			return [
				call.inbound_leg("a", 0, "Appeared", first),
				call.inbound_leg("a", RING_SECONDS, "Disconnected", first, disconnect_reason=1110),
				inbound_summary(first, RING_SECONDS, 0, 1110),
			]
		if scenario == Scenario.BUSY:
			return [
				call.inbound_leg("a", 0, "Appeared", first),
				call.inbound_leg("a", 1, "Disconnected", first, disconnect_reason=1121),
				inbound_summary(first, 1, 0, 1121),
			]
		if scenario == Scenario.GROUP_ANSWERED:
			return [
				call.inbound_leg("a", 0, "Appeared", first),
				call.inbound_leg("b", 0, "Appeared", second),
				call.inbound_leg("a", RING_SECONDS, "Disconnected", first, disconnect_reason=1100),
				call.inbound_leg("b", RING_SECONDS, "Connected", second),
				call.inbound_leg("b", END, "Disconnected", second, disconnect_reason=1110),
				inbound_summary(second, END, TALK_SECONDS, 1110),
			]
		if scenario == Scenario.TRANSFERRED:
			transferred = {"number": call.customer, "taken_from_call_id": f"{plan.call_id}-a"}
			return [
				call.inbound_leg("a", 0, "Appeared", first),
				call.inbound_leg("a", RING_SECONDS, "Connected", first),
				call.leg("b", 10, "Appeared", transferred, ext(second)),
				call.leg("b", 12, "Connected", transferred, ext(second)),
				call.inbound_leg("a", 12, "Disconnected", first, disconnect_reason=1100),
				call.leg("b", END, "Disconnected", transferred, ext(second), disconnect_reason=1110),
				inbound_summary(second, END, END - RING_SECONDS, 1110),
			]
		if scenario in (Scenario.OUTBOUND_ANSWERED, Scenario.OUTBOUND_NOT_ANSWERED):
			callee = {"number": call.customer}
			end, talk, reason = (
				(END, TALK_SECONDS, 1100) if scenario == Scenario.OUTBOUND_ANSWERED else (30, 0, 1111)
			)
			answer = [call.leg("a", RING_SECONDS, "Connected", ext(first), callee)] if talk else []
			return [
				call.leg("a", 0, "Appeared", ext(first), callee),
				*answer,
				call.leg("a", end, "Disconnected", ext(first), callee, disconnect_reason=reason),
				call.summary(OUTBOUND, {"extension": first.extension}, callee, end, talk, reason),
			]
		if scenario == Scenario.REJECTED:
			return [call.inbound_leg("a", 0, "Appeared", first)]
		raise KeyError(scenario)

	def _placed_call(self, scenario: Scenario, plan: CallPlan) -> list[dict]:
		"""Mango names the call itself (entry_id); its legs carry the app's call id as command_id."""
		call = MangoCall(plan, f"mango-{plan.placed_call_id}", command_id=plan.placed_call_id)
		first, customer = plan.first, {"number": call.customer}
		agent = call.ext(first)
		results, self.posted_results = self.posted_results, []
		if scenario == Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER:
			return [
				*results,
				call.leg("a", 0, "Appeared", {}, agent),
				call.leg("a", 30, "Disconnected", {}, agent, disconnect_reason=1111),
				call.summary(OUTBOUND, {"extension": first.extension}, customer, 30, 0, 1111),
			]
		return [
			*results,
			call.leg("a", 0, "Appeared", {}, agent),
			call.leg("a", 2, "Connected", {}, agent),
			call.leg("b", 2, "Appeared", agent, customer),
			call.leg("b", RING_SECONDS, "Connected", agent, customer),
			call.leg("b", END, "Disconnected", agent, customer, disconnect_reason=1110),
			call.leg("a", END, "Disconnected", {}, agent, disconnect_reason=1110),
			call.summary(OUTBOUND, {"extension": first.extension}, customer, END, TALK_SECONDS, 1110),
		]

	def aftermath(self, scenario: Scenario, plan: CallPlan) -> list[dict]:
		"""After the desk's Reject: the hangup's result, the leg ended by the command, the summary."""
		call = MangoCall(plan, plan.call_id)
		call.seq = 1
		results, self.posted_results = self.posted_results, []
		return [
			*results,
			call.inbound_leg("a", 3, "Disconnected", plan.first, disconnect_reason=1181),
			call.summary(INBOUND, {"number": call.customer}, {"extension": plan.first.extension}, 3, 0, 1181),
		]

	def deliver(self, case, provider, traffic: list[dict]) -> list[int]:
		return [
			post_service(
				provider.name, item["service"], signed(provider, item["json"], item.get("forged"))
			).status_code
			for item in traffic
		]

	def forge(self, traffic: list[dict]) -> list[dict]:
		return [{**item, "forged": True} for item in traffic]

	@contextlib.contextmanager
	def command_api(self, case, provider):
		with StubMango(provider.mango_api_key, provider.get_password("mango_api_salt")) as stub:
			provider.db_set("mango_api_base", stub.url)
			frappe.db.commit()
			yield stub.understood
			self.posted_results = list(stub.results)
		provider.db_set("mango_api_base", UNREACHABLE_API)
		frappe.db.commit()


class TestMangoConformance(ConformanceTests, FrappeTestCase):
	kit = MangoKit()
