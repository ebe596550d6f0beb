"""Transfer and hold from the call popup: what each provider offers, the signed commands to a Generic
Webhook PBX, who may, the refusals, the call's history, and the popup moving to the colleague."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.api import call_control as api
from telephony_crm.api.calls import get_active_calls, get_call_context
from telephony_crm.calls.events import EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.calls.summary import call_summary
from telephony_crm.calls.times import site_now
from telephony_crm.calls.transfer import CallControlRefusedError, CallNotInProgressError
from telephony_crm.providers import PROVIDER_CLASSES, provider_class
from telephony_crm.providers.asterisk.tests.site import make_asterisk_provider, remove_provider
from telephony_crm.providers.base import CallControl, ProviderCommandError
from telephony_crm.providers.generic_webhook.control import SIGNATURE_HEADER, sign
from telephony_crm.realtime import CALL_EVENT
from telephony_crm.roles import SUPERVISOR_ROLE
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_contact,
	make_customer,
	make_provider,
	make_sip_account,
	make_user,
	unique,
	unique_mobile,
	use_region,
)
from telephony_crm.tests.stub_pbx import StubPBX

CALL = "Telephony Call Log"
EVERY_CONTROL = sorted(control.value for control in CallControl)


class TransferCase(FrappeTestCase):
	"""A Generic Webhook PBX whose Control URL is a stub, agents on 101 and 102, and a known caller."""

	def setUp(self):
		use_region()
		self.stub = StubPBX().__enter__()
		self.addCleanup(self.stub.__exit__)
		self.provider = make_provider(control_url=self.stub.url)
		self.agent = make_user()
		self.colleague = make_user(prefix="colleague")
		make_sip_account(self.agent, self.provider.name, "101")
		make_sip_account(self.colleague, self.provider.name, "102")
		self.number = unique_mobile()
		self.customer = make_customer()
		make_contact([self.number], customer=self.customer.name)
		frappe.db.commit()

	def tearDown(self):
		frappe.set_user("Administrator")
		delete_calls(self.provider.name)
		frappe.db.commit()

	def answered_call(self, extension: str = "101"):
		"""A call from the known caller, answered on `extension` (committed, as the PBX's events are)."""
		call_id = unique("xfer")
		for kind, seconds in ((EventType.RINGING, -10), (EventType.ANSWERED, -5)):
			result = commit_event(
				call_event(
					self.provider.name,
					call_id,
					kind,
					seconds,
					caller=self.number,
					extension=extension,
					start=site_now(),
				)
			)
		return frappe.get_doc(CALL, result.name)

	def pbx_event(self, call, kind: EventType, extension: str | None = None):
		commit_event(
			call_event(self.provider.name, call.call_id, kind, extension=extension, start=site_now())
		)
		return frappe.get_doc(CALL, call.name)

	def history(self, call) -> list[tuple[str, str, str]]:
		return [
			(row.event, row.extension, row.raw_status)
			for row in frappe.get_all(
				"Telephony Call Event",
				{"parent": call.name},
				["event", "extension", "raw_status"],
				order_by="event_time asc, idx asc",
			)
		]

	def assertSigned(self, command: dict):
		secret = self.provider.get_password("control_secret")
		self.assertEqual(command["headers"][SIGNATURE_HEADER], sign(command["raw"], secret))


class TestCapabilities(TransferCase):
	def test_a_call_in_progress_offers_what_its_provider_can_do(self):
		call = self.answered_call()
		self.assertEqual(call_summary(call).call_controls, EVERY_CONTROL)
		self.assertFalse(call_summary(call).on_hold)

	def test_popups_after_a_reload_know_the_controls_too(self):
		call = self.answered_call()
		frappe.set_user(self.agent)
		(summary,) = [c for c in get_active_calls() if c.name == call.name]
		self.assertEqual(summary.call_controls, EVERY_CONTROL)

	def test_a_ringing_or_ended_call_offers_nothing(self):
		call_id = unique("ring")
		ringing = commit_event(
			call_event(self.provider.name, call_id, EventType.RINGING, start=site_now())
		).name
		self.assertEqual(call_summary(frappe.get_doc(CALL, ringing)).call_controls, [])
		ended = self.pbx_event(self.answered_call(), EventType.ENDED)
		self.assertEqual(call_summary(ended).call_controls, [])

	def test_a_generic_webhook_without_control_url_offers_nothing(self):
		call = self.answered_call()
		self.provider.control_url = None
		self.provider.save(ignore_permissions=True)
		self.assertEqual(call_summary(frappe.get_doc(CALL, call.name)).call_controls, [])

	def test_asterisk_offers_transfers_and_hold(self):
		record, _ = make_asterisk_provider(port=1, secret="unused", extensions=("101",))
		self.addCleanup(remove_provider, record.name)
		commit_event(call_event(record.name, "1700000000.1", EventType.RINGING, start=site_now()))
		result = commit_event(
			call_event(record.name, "1700000000.1", EventType.ANSWERED, 1, start=site_now())
		)
		self.assertEqual(call_summary(frappe.get_doc(CALL, result.name)).call_controls, EVERY_CONTROL)

	def test_cloud_providers_declare_none(self):
		"""Telphin, Mango Office, Zadarma, Exotel and Twilio: no transfer or hold from the desk (README)."""
		for provider_type in PROVIDER_CLASSES:
			if provider_type not in ("Generic Webhook", "Asterisk AMI"):
				with self.subTest(provider_type):
					self.assertEqual(provider_class(provider_type).supported_call_controls, frozenset())

	def test_an_unsupported_control_is_refused(self):
		call = self.answered_call()
		self.provider.control_url = None
		self.provider.save(ignore_permissions=True)
		frappe.set_user(self.agent)
		with self.assertRaises(CallControlRefusedError) as refused:
			api.hold(call.name)
		self.assertEqual(refused.exception.http_status_code, 422)
		self.assertEqual(self.stub.commands, [])


class TestGenericWebhookCommands(TransferCase):
	def test_blind_transfer_is_a_signed_command(self):
		call = self.answered_call()
		frappe.set_user(self.agent)
		api.transfer(call.name, self.colleague)
		(command,) = self.stub.commands
		self.assertSigned(command)
		self.assertEqual(
			command["json"],
			{
				"action": "transfer",
				"call_id": call.call_id,
				"extension": "101",
				"target": "102",
				"mode": "blind",
			},
		)

	def test_attended_transfer_says_so(self):
		call = self.answered_call()
		frappe.set_user(self.agent)
		api.transfer(call.name, self.colleague, attended=True)
		self.assertEqual(self.stub.commands[0]["json"]["mode"], "attended")

	def test_hold_and_resume_are_signed_commands_and_turn_the_popup(self):
		call = self.answered_call()
		frappe.set_user(self.agent)
		self.assertTrue(api.hold(call.name)["on_hold"])
		self.assertTrue(call_summary(call).on_hold)
		self.assertFalse(api.resume(call.name)["on_hold"])
		self.assertEqual(
			[c["json"] for c in self.stub.commands],
			[
				{"action": "hold", "call_id": call.call_id, "extension": "101"},
				{"action": "resume", "call_id": call.call_id, "extension": "101"},
			],
		)
		for command in self.stub.commands:
			self.assertSigned(command)

	def test_everyone_following_the_call_sees_it_held(self):
		call = self.answered_call()
		frappe.set_user(self.agent)
		with patch("frappe.publish_realtime") as publish:
			api.hold(call.name)
		told = [
			(c.kwargs["user"], c.args[1]["on_hold"], c.kwargs["after_commit"])
			for c in publish.call_args_list
			if c.args[0] == CALL_EVENT
		]
		self.assertEqual(told, [(self.agent, True, True)])

	def test_a_refused_transfer_is_sent_once_and_leaves_no_history(self):
		call = self.answered_call()
		self.stub.status = 500
		frappe.set_user(self.agent)
		with self.assertRaises(ProviderCommandError):
			api.transfer(call.name, self.colleague)
		self.assertEqual(len(self.stub.commands), 1)  # a 5xx may have moved the call: never sent twice
		self.assertEqual(len(self.history(call)), 2)

	def test_a_held_call_is_resumed_before_it_is_transferred(self):
		call = self.answered_call()
		frappe.set_user(self.agent)
		api.hold(call.name)
		with self.assertRaises(CallNotInProgressError):
			api.transfer(call.name, self.colleague)
		api.resume(call.name)
		api.transfer(call.name, self.colleague)


class TestWhoMayTransfer(TransferCase):
	def test_a_colleague_not_on_the_call_may_not(self):
		call = self.answered_call()
		frappe.set_user(self.colleague)
		with self.assertRaises(frappe.PermissionError):
			api.transfer(call.name, self.colleague)
		with self.assertRaises(frappe.PermissionError):
			api.hold(call.name)
		self.assertEqual(self.stub.commands, [])

	def test_a_supervisor_may(self):
		call = self.answered_call()
		frappe.set_user(make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor"))
		api.transfer(call.name, self.colleague)
		self.assertEqual(self.stub.commands[0]["json"]["target"], "102")

	def test_the_decision_is_the_records_not_the_requests(self):
		"""A call that is no longer the agent's (transferred away) is no longer theirs to transfer."""
		call = self.answered_call()
		self.pbx_event(call, EventType.RINGING, "102")
		self.pbx_event(call, EventType.ANSWERED, "102")
		frappe.set_user(self.agent)  # still a participant: may read the call, not control it
		with self.assertRaises(frappe.PermissionError):
			api.hold(call.name)

	def test_a_user_without_a_line_on_the_provider_is_no_target(self):
		call = self.answered_call()
		elsewhere = make_user()
		make_sip_account(elsewhere, make_provider().name, "103")
		disabled = make_user()
		make_sip_account(disabled, self.provider.name, "104", enabled=0)
		frappe.set_user(self.agent)
		for target in (make_user(), elsewhere, disabled, "nobody@telephony.example"):
			with self.subTest(target), self.assertRaises(CallControlRefusedError) as refused:
				api.transfer(call.name, target)
			self.assertIn("no enabled SIP Account", str(refused.exception))
			self.assertEqual(refused.exception.http_status_code, 422)
		self.assertEqual(self.stub.commands, [])

	def test_not_to_the_agent_the_call_is_with(self):
		call = self.answered_call()
		frappe.set_user(self.agent)
		with self.assertRaises(CallControlRefusedError):
			api.transfer(call.name, self.agent)

	def test_an_ended_or_ringing_call_is_refused(self):
		ended = self.pbx_event(self.answered_call(), EventType.ENDED)
		ringing = commit_event(
			call_event(self.provider.name, unique("ring"), EventType.RINGING, start=site_now())
		).name
		frappe.set_user(self.agent)
		for call in (ended.name, ringing):
			with self.subTest(call), self.assertRaises(CallNotInProgressError) as refused:
				api.transfer(call, self.colleague)
			self.assertEqual(refused.exception.http_status_code, 409)
		with self.assertRaises(CallNotInProgressError):
			api.resume(ended.name)
		self.assertEqual(self.stub.commands, [])


class TestTransferredCall(TransferCase):
	def test_the_history_records_who_transferred_to_whom_and_when(self):
		call = self.answered_call()
		before = frappe.utils.get_datetime(site_now())
		frappe.set_user(self.agent)
		api.transfer(call.name, self.colleague, attended=True)
		row = frappe.get_all(
			"Telephony Call Event",
			{"parent": call.name, "extension": "102"},
			["event", "raw_status", "event_time"],
		)[0]
		self.assertEqual(row.event, "ringing")
		self.assertEqual(
			row.raw_status, f"attended transfer from 101 to 102 ({self.colleague}) by {self.agent}"
		)
		self.assertGreaterEqual(row.event_time, before.replace(microsecond=0))

	def test_the_popup_moves_to_the_colleague_with_the_callers_context(self):
		call = self.answered_call()
		frappe.set_user(self.agent)
		with patch("frappe.publish_realtime") as publish:
			api.transfer(call.name, self.colleague)
		told = {c.kwargs["user"] for c in publish.call_args_list if c.args[0] == CALL_EVENT}
		self.assertEqual(told, {self.agent, self.colleague})

		# The colleague reads the call and its caller at once; it is theirs once the PBX says they answered.
		frappe.set_user(self.colleague)
		context = get_call_context(call.name)
		self.assertEqual(context["call"]["customer"], self.customer.name)
		frappe.set_user("Administrator")
		call = self.pbx_event(call, EventType.ANSWERED, "102")
		self.assertEqual(
			(call.answered_by, call.agent, call.status), (self.colleague,) * 2 + ("In Progress",)
		)
		frappe.set_user(self.colleague)
		self.assertIn(call.name, [c.name for c in get_active_calls()])
		self.assertEqual(call_summary(call).call_controls, EVERY_CONTROL)
		# The transferer's desk closes its popup: the call is answered by someone else.
		frappe.set_user(self.agent)
		self.assertNotIn(call.name, [c.name for c in get_active_calls()])

	def test_the_picker_lists_available_colleagues_on_the_calls_provider(self):
		call = self.answered_call()
		make_sip_account(make_user(), make_provider().name, "105")  # another provider's agent
		frappe.set_user(self.agent)
		targets = api.transfer_targets(call.name)
		self.assertIn((self.colleague, "102"), [(t.user, t.extension) for t in targets])
		self.assertNotIn(self.agent, [t.user for t in targets])
		self.assertEqual({t.extension for t in targets} - {"102"}, set())
