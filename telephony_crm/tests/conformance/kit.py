"""The provider conformance kit: the standard call scenarios every provider must pass.

A provider supplies a `ProviderKit`: how its platform reports each scenario in its own traffic (webhook
requests, AMI frames), how that traffic reaches the app through the real entry point, and a stub of its
command API. `ConformanceTests` plays every scenario and checks what the app made of it: the call's
status, direction, agent, durations, identified customer, history of events, participants and who was
told in the desk. The expectations are the same for every provider; a scenario a platform cannot
produce is listed in the kit's `unsupported`, with the reason, and skipped with it.

    class TestTelphinConformance(ConformanceTests, FrappeTestCase):
        kit = TelphinKit()
"""

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from unittest.mock import patch

import frappe

from telephony_crm.calls import outbound
from telephony_crm.realtime import CALL_EVENT
from telephony_crm.tests.factories import (
	delete_calls,
	make_contact,
	make_customer,
	make_sip_account,
	make_user,
	unique,
	unique_mobile,
	use_region,
)

CALL = "Telephony Call Log"
RING_SECONDS = 5
TALK_SECONDS = 20


class Scenario(str, Enum):
	INBOUND_ANSWERED = "inbound answered"
	INBOUND_MISSED = "inbound missed: nobody answered, the caller gave up"
	BUSY = "inbound to a busy line"
	GROUP_ANSWERED = "inbound to a queue or group, answered by one of several agents"
	TRANSFERRED = "inbound answered, then transferred to another agent"
	OUTBOUND_ANSWERED = "outbound answered"
	OUTBOUND_NOT_ANSWERED = "outbound not answered"
	CLICK_TO_CALL_ANSWERED = "click-to-call answered"
	CLICK_TO_CALL_AGENT_NO_ANSWER = "click-to-call the agent did not answer"
	REJECTED = "a ringing call rejected from the desk"
	RECORDING = "recording available after the call"
	DUPLICATES = "every event delivered twice"
	OUT_OF_ORDER = "events delivered out of order"
	FORGED = "a forged or unsigned request"


@dataclass
class Line:
	"""An agent and their extension (as the SIP Account has it; a provider may write it otherwise)."""

	user: str
	extension: str


@dataclass
class CallPlan:
	"""One scenario's call, as the provider is to report it: who, which numbers, when.

	The call rings at `start`, is answered RING_SECONDS later and talks TALK_SECONDS."""

	call_id: str
	customer_number: str  # E.164 of a known customer
	first: Line
	second: Line
	start: datetime  # aware, UTC
	placed_call_id: str | None = None  # click-to-call: the id the provider reports the call under
	extra: dict = field(default_factory=dict)  # whatever a kit keeps between the steps of a scenario

	def at(self, seconds: float) -> datetime:
		return self.start + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Expected:
	direction: str
	status: str
	agent: str | None  # "first", "second" or None
	answered_by: str | None
	ring: int | None = None  # seconds; None: not checked
	talk: int | None = None
	identified: bool = True
	told: frozenset = frozenset({"first"})
	recording: bool = False


ANSWERED_IN = Expected("Inbound", "Completed", "first", "first", RING_SECONDS, TALK_SECONDS)
EXPECTED = {
	Scenario.INBOUND_ANSWERED: ANSWERED_IN,
	Scenario.INBOUND_MISSED: Expected("Inbound", "Missed", "first", None, RING_SECONDS, 0),
	Scenario.BUSY: Expected("Inbound", "Busy", "first", None, talk=0),
	Scenario.GROUP_ANSWERED: Expected(
		"Inbound",
		"Completed",
		"second",
		"second",
		RING_SECONDS,
		TALK_SECONDS,
		told=frozenset({"first", "second"}),
	),
	Scenario.TRANSFERRED: Expected(
		"Inbound", "Completed", "second", "second", RING_SECONDS, told=frozenset({"first", "second"})
	),
	Scenario.OUTBOUND_ANSWERED: Expected(
		"Outbound", "Completed", "first", "first", RING_SECONDS, TALK_SECONDS
	),
	Scenario.OUTBOUND_NOT_ANSWERED: Expected("Outbound", "No Answer", "first", None, talk=0),
	Scenario.CLICK_TO_CALL_ANSWERED: Expected("Outbound", "Completed", "first", "first", talk=TALK_SECONDS),
	Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER: Expected("Outbound", "No Answer", "first", None, talk=0),
	Scenario.REJECTED: Expected("Inbound", "Rejected", "first", None, talk=0),
	Scenario.RECORDING: Expected(**{**ANSWERED_IN.__dict__, "recording": True}),
	Scenario.DUPLICATES: ANSWERED_IN,
	Scenario.OUT_OF_ORDER: ANSWERED_IN,
}


class ProviderKit:
	"""What a provider brings to the kit. Subclasses implement the methods that raise."""

	provider_type: str
	# Scenario -> why the platform cannot produce it (shown as the skip reason and in the README).
	unsupported: dict[Scenario, str] = {}

	def settings(self) -> dict:
		"""Fields of its Telephony Provider Settings record, besides name, type and enabled."""
		return {}

	def extension(self, line: Line) -> str:
		"""The extension as the provider's traffic names it."""
		return line.extension

	def traffic(self, scenario: Scenario, plan: CallPlan) -> list:
		"""The provider's own traffic for the scenario, in the order it sends it (for REJECTED: up to
		the ringing; for click-to-call: after the command, under `plan.placed_call_id`)."""
		raise NotImplementedError

	def aftermath(self, scenario: Scenario, plan: CallPlan) -> list:
		"""What the provider sends after the app's own command (REJECTED: the hangup it reports)."""
		return []

	def deliver(self, case, provider, traffic: list) -> list[int]:
		"""Send the traffic through the provider's real entry point; the HTTP status of each."""
		raise NotImplementedError

	def forge(self, traffic: list) -> list:
		"""The same traffic with a wrong or missing signature or secret."""
		raise NotImplementedError

	@contextlib.contextmanager
	def command_api(self, case, provider):
		"""A stub of the provider's command API, the provider's settings pointing at it, for the block.
		Yields a callable that returns the commands received so far, each {"action": "originate" or
		"hangup", "extension": ..., "number": ...} as the stub understood them."""
		raise NotImplementedError
		yield

	def close(self) -> None:
		"""Stop whatever the kit started for the test class (a stub PBX, a connector)."""

	def placed_call_id(self, placed: dict, commands: list[dict]) -> str:
		"""The id the provider reports a call placed from the desk under (default: the app's own)."""
		return frappe.db.get_value(CALL, placed["call"], "call_id")


class ConformanceTests:
	"""Mixed into a FrappeTestCase with `kit` set: one test per standard scenario."""

	kit: ProviderKit

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_region()
		cls.provider = frappe.get_doc(
			{
				"doctype": "Telephony Provider Settings",
				"provider_name": unique(f"Kit {cls.kit.provider_type}"),
				"provider_type": cls.kit.provider_type,
				"enabled": 1,
				"default_region": "Russian Federation",
				**cls.kit.settings(),
			}
		).insert(ignore_permissions=True)
		cls.lines = {}
		for role, extension in (("first", "101"), ("second", "102")):
			user = make_user(prefix=f"kit-{role}")
			make_sip_account(user, cls.provider.name, extension)
			cls.lines[role] = Line(user, extension)
		cls.customer = make_customer()
		cls.customer_number = unique_mobile()
		make_contact([cls.customer_number], customer=cls.customer.name)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.kit.close()
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def plan(self) -> CallPlan:
		# Recent enough for every provider's clock window, whole seconds for every time format.
		start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
		return CallPlan(unique("kit"), self.customer_number, self.lines["first"], self.lines["second"], start)

	def skip_unsupported(self, scenario: Scenario) -> None:
		if scenario in self.kit.unsupported:
			self.skipTest(f"{self.kit.provider_type}: {self.kit.unsupported[scenario]}")

	def play(self, traffic: list) -> None:
		statuses = self.kit.deliver(self, self.provider, traffic)
		self.assertTrue(all(200 <= s < 300 for s in statuses), f"refused: {statuses}")

	def told(self, action) -> set[str]:
		"""The roles (first, second) the desk was told about calls while `action` ran."""
		with patch("frappe.publish_realtime") as publish:
			action()
		users = {c.kwargs.get("user") for c in publish.call_args_list if c.args and c.args[0] == CALL_EVENT}
		return {role for role, line in self.lines.items() if line.user in users}

	def call(self, call_id: str):
		frappe.db.rollback()  # see what the requests committed
		name = frappe.db.get_value(CALL, {"provider": self.provider.name, "call_id": call_id})
		self.assertTrue(name, f"no call recorded under {call_id}")
		return frappe.get_doc(CALL, name)

	def check(self, scenario: Scenario, call, told: set[str] | None = None) -> None:
		expected = EXPECTED[scenario]
		user = lambda role: self.lines[role].user if role else None  # noqa: E731
		self.assertEqual(
			(call.direction, call.status, call.agent, call.answered_by),
			(expected.direction, expected.status, user(expected.agent), user(expected.answered_by)),
		)
		for seconds, actual in ((expected.ring, call.ring_duration), (expected.talk, call.talk_duration)):
			if seconds is not None:
				self.assertAlmostEqual(actual, seconds, delta=1)
		if expected.identified:
			self.assertEqual(call.customer, self.customer.name)
		self.assertTrue(call.events, "the call keeps the events it was made of")
		participants = {row.user for row in call.participants}
		for role in expected.told:
			self.assertIn(user(role), participants)
		if told is not None:
			self.assertEqual(told, set(expected.told))
		if expected.recording:
			self.assertTrue(call.recording_url or call.recording_id, "no recording kept")

	def run_plain(self, scenario: Scenario, reorder=lambda traffic: traffic) -> None:
		self.skip_unsupported(scenario)
		plan = self.plan()
		traffic = self.kit.traffic(scenario, plan)
		told = self.told(lambda: self.play(reorder(traffic)))
		self.check(scenario, self.call(plan.call_id), told)

	def test_inbound_answered(self):
		self.run_plain(Scenario.INBOUND_ANSWERED)

	def test_inbound_missed(self):
		self.run_plain(Scenario.INBOUND_MISSED)

	def test_busy(self):
		self.run_plain(Scenario.BUSY)

	def test_group_answered_by_one(self):
		self.run_plain(Scenario.GROUP_ANSWERED)

	def test_transferred(self):
		self.run_plain(Scenario.TRANSFERRED)

	def test_outbound_answered(self):
		self.run_plain(Scenario.OUTBOUND_ANSWERED)

	def test_outbound_not_answered(self):
		self.run_plain(Scenario.OUTBOUND_NOT_ANSWERED)

	def test_recording_after_the_call(self):
		self.run_plain(Scenario.RECORDING)

	def test_out_of_order(self):
		self.run_plain(Scenario.OUT_OF_ORDER, reorder=lambda traffic: list(reversed(traffic)))

	def test_duplicates(self):
		self.skip_unsupported(Scenario.DUPLICATES)
		plan = self.plan()
		traffic = self.kit.traffic(Scenario.DUPLICATES, plan)
		self.play(traffic)
		events = len(self.call(plan.call_id).events)
		self.play(traffic)
		call = self.call(plan.call_id)
		self.assertEqual(len(call.events), events, "a repeated event changed the call")
		self.check(Scenario.DUPLICATES, call)

	def test_forged_requests_are_refused(self):
		self.skip_unsupported(Scenario.FORGED)
		plan = self.plan()
		statuses = self.kit.deliver(
			self, self.provider, self.kit.forge(self.kit.traffic(Scenario.INBOUND_ANSWERED, plan))
		)
		self.assertTrue(all(400 <= s < 500 for s in statuses), f"not refused: {statuses}")
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists(CALL, {"provider": self.provider.name, "call_id": plan.call_id}))

	def place_call(self, scenario: Scenario):
		self.skip_unsupported(scenario)
		plan = self.plan()
		with self.kit.command_api(self, self.provider) as received:
			frappe.set_user(plan.first.user)
			placed = outbound.place_call(plan.customer_number, reference=("Customer", self.customer.name))
			frappe.set_user("Administrator")
			commands = received()
		self.assertNotIn("error", placed)
		self.assertEqual([c["action"] for c in commands], ["originate"])
		self.assertEqual(commands[0]["extension"], self.kit.extension(plan.first))
		plan.placed_call_id = self.kit.placed_call_id(placed, commands)
		plan.call_id = plan.placed_call_id
		self.play(self.kit.traffic(scenario, plan))
		call = self.call(plan.placed_call_id)
		self.assertEqual(call.name, placed["call"], "the provider's events reached the call placed")
		self.check(scenario, call)
		self.assertIn(("Customer", self.customer.name), [(r.link_doctype, r.link_name) for r in call.links])

	def test_click_to_call_answered(self):
		self.place_call(Scenario.CLICK_TO_CALL_ANSWERED)

	def test_click_to_call_the_agent_does_not_answer(self):
		self.place_call(Scenario.CLICK_TO_CALL_AGENT_NO_ANSWER)

	def test_reject_a_ringing_call(self):
		self.skip_unsupported(Scenario.REJECTED)
		plan = self.plan()
		self.play(self.kit.traffic(Scenario.REJECTED, plan))
		call = self.call(plan.call_id)
		with self.kit.command_api(self, self.provider) as received:
			frappe.set_user(plan.first.user)
			outbound.reject_call(call)
			frappe.set_user("Administrator")
			self.assertEqual([c["action"] for c in received()], ["hangup"])
		self.play(self.kit.aftermath(Scenario.REJECTED, plan))
		self.check(Scenario.REJECTED, self.call(plan.call_id))
