"""The server side of the desk: realtime routing, the popup's context, notes, reject and click-to-call."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.api import calls as api
from telephony_crm.calls.engine import process_event
from telephony_crm.calls.events import EventType
from telephony_crm.calls.outbound import NoSipAccountError
from telephony_crm.calls.times import site_now
from telephony_crm.providers.generic_webhook.control import SIGNATURE_HEADER, sign
from telephony_crm.realtime import CALL_EVENT
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_contact,
	make_customer,
	make_item,
	make_provider,
	make_sales_order,
	make_sip_account,
	make_user,
	unique,
	unique_mobile,
	use_region,
)
from telephony_crm.tests.stub_pbx import StubPBX

CALL = "Telephony Call Log"


class DeskCase(FrappeTestCase):
	def setUp(self):
		use_region()
		self.provider = make_provider()
		self.agent = make_user(roles=("Telephony Agent", "Sales User"))
		make_sip_account(self.agent, self.provider.name, "101")

	def tearDown(self):
		frappe.set_user("Administrator")

	def ring(self, caller: str, extension: str = "101"):
		"""A call ringing now, as its document."""
		event = call_event(
			self.provider.name,
			unique("desk"),
			EventType.RINGING,
			caller=caller,
			extension=extension,
			start=site_now(),
		)
		return frappe.get_doc(CALL, process_event(event).name)


class TestRealtime(DeskCase):
	def published(self, action) -> list[tuple[str, dict, bool]]:
		with patch("frappe.publish_realtime") as publish:
			action()
		return [
			(c.kwargs["user"], c.args[1], c.kwargs["after_commit"])
			for c in publish.call_args_list
			if c.args[0] == CALL_EVENT
		]

	def test_only_the_agent_is_told_after_commit(self):
		sent = self.published(lambda: self.ring(unique_mobile()))
		self.assertEqual([(user, after_commit) for user, _, after_commit in sent], [(self.agent, True)])
		self.assertEqual(sent[0][1]["status"], "Ringing")

	def test_everyone_whose_phone_rings_follows_the_call(self):
		colleague = make_user()
		make_sip_account(colleague, self.provider.name, "102")
		call_id = unique("group")
		events = [
			call_event(self.provider.name, call_id, EventType.RINGING, extension="101"),
			call_event(self.provider.name, call_id, EventType.RINGING, extension="102"),
			call_event(self.provider.name, call_id, EventType.ANSWERED, 2, extension="102"),
		]
		sent = self.published(lambda: [process_event(e) for e in events])
		self.assertEqual({user for user, _, _ in sent}, {self.agent, colleague})
		last = [payload for user, payload, _ in sent if user == self.agent][-1]
		self.assertEqual((last["status"], last["answered_by"]), ("In Progress", colleague))

	def test_a_note_reaches_the_popup(self):
		call = self.ring(unique_mobile())
		frappe.set_user(self.agent)
		sent = self.published(lambda: api.add_note(call.name, "Call back on Monday"))
		self.assertEqual([user for user, _, _ in sent], [self.agent])

	def test_calls_of_nobody_are_sent_to_nobody(self):
		self.assertEqual(self.published(lambda: self.ring(unique_mobile(), extension="999")), [])


class TestPopupContext(DeskCase):
	def test_known_customer_with_orders_and_open_items(self):
		number = unique_mobile()
		customer = make_customer()
		contact = make_contact([number], customer=customer.name)
		item = make_item()
		orders = [make_sales_order(customer.name, item, rate) for rate in (10, 20, 30, 40, 50, 60)]
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": "Call back",
				"reference_type": "Customer",
				"reference_name": customer.name,
				"allocated_to": self.agent,
			}
		).insert(ignore_permissions=True)
		call = self.ring(number)

		frappe.set_user(self.agent)
		context = api.get_call_context(call.name)
		self.assertEqual(context["party"]["doctype"], "Customer")
		self.assertEqual(context["party"]["name"], customer.name)
		self.assertEqual(context["party"]["title"], f"{contact.full_name} ({customer.customer_name})")
		self.assertEqual(len(context["sales_orders"]), 5)
		self.assertLessEqual({o["name"] for o in context["sales_orders"]}, {o.name for o in orders})
		self.assertIn(todo.name, [t["name"] for t in context["todos"]])
		self.assertTrue(context["can_create"]["Sales Order"])

	def test_only_what_the_agent_may_read(self):
		number = unique_mobile()
		customer = make_customer()
		make_contact([number], customer=customer.name)
		make_sales_order(customer.name, make_item())
		agent = make_user()  # Telephony Agent only: no right to read Sales Orders
		make_sip_account(agent, self.provider.name, "105")
		call = self.ring(number, extension="105")
		frappe.set_user(agent)
		context = api.get_call_context(call.name)
		self.assertEqual(context["sales_orders"], [])
		self.assertFalse(context["can_create"]["Sales Order"])

	def test_someone_elses_call_is_refused(self):
		call = self.ring(unique_mobile())
		frappe.set_user(make_user())
		with self.assertRaises(frappe.PermissionError):
			api.get_call_context(call.name)

	def test_active_calls_come_back_after_a_reload(self):
		call = self.ring(unique_mobile())
		frappe.set_user(self.agent)
		self.assertIn(call.name, [c["name"] for c in api.get_active_calls()])

	def test_supervisors_get_back_only_their_own_popups(self):
		call = self.ring(unique_mobile())
		frappe.set_user(make_user(roles=("Telephony Supervisor",), prefix="supervisor"))
		self.assertNotIn(call.name, [c["name"] for c in api.get_active_calls()])


class TestCallActions(DeskCase):
	def test_note_is_kept_on_the_call_and_the_customer_timeline(self):
		number = unique_mobile()
		customer = make_customer()
		make_contact([number], customer=customer.name)
		call = self.ring(number)
		frappe.set_user(self.agent)
		api.add_note(call.name, "Wants a <b>discount</b>")
		frappe.set_user("Administrator")
		self.assertIn("Wants a &lt;b&gt;discount&lt;/b&gt;", frappe.db.get_value(CALL, call.name, "notes"))
		comments = frappe.get_all(
			"Comment", {"reference_doctype": "Customer", "reference_name": customer.name}, pluck="content"
		)
		self.assertTrue(any("discount" in c and call.name in c for c in comments))

	def test_document_made_from_a_call_is_linked_both_ways(self):
		call = self.ring(unique_mobile())
		frappe.set_user(self.agent)
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": "From the call",
				"telephony_call": call.name,
				"allocated_to": self.agent,
			}
		).insert()
		links = frappe.get_doc(CALL, call.name).links
		self.assertIn(("ToDo", todo.name), [(link.link_doctype, link.link_name) for link in links])

	def test_document_cannot_be_tied_to_someone_elses_call(self):
		call = self.ring(unique_mobile())
		stranger = make_user()
		frappe.set_user(stranger)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{"doctype": "ToDo", "description": "x", "telephony_call": call.name, "allocated_to": stranger}
			).insert()

	def test_linking_an_unknown_number_to_a_record(self):
		number = unique_mobile()
		call = self.ring(number)
		self.assertFalse(call.contact)
		lead = frappe.get_doc({"doctype": "Lead", "first_name": unique("Lead")}).insert(
			ignore_permissions=True
		)
		context = api.link_number_to_record(call.name, "Lead", lead.name)
		self.assertEqual(context["call"]["lead"], lead.name)
		self.assertEqual(self.ring(number).lead, lead.name)


class TestCommandsToThePBX(DeskCase):
	def tearDown(self):
		# Placing and rejecting calls commits them (the PBX's events must find them): end their popups.
		frappe.set_user("Administrator")
		delete_calls(self.provider.name)
		frappe.db.commit()

	def with_stub(self, status=200):
		stub = StubPBX(status)
		self.provider.control_url = stub.url
		self.provider.save(ignore_permissions=True)
		return stub

	def assertSigned(self, command):
		secret = self.provider.get_password("control_secret")
		self.assertNotEqual(secret, self.provider.get_password("webhook_secret"))
		self.assertEqual(command["headers"][SIGNATURE_HEADER], sign(command["raw"], secret))

	def test_click_to_call_sends_a_signed_originate_with_the_rewritten_number(self):
		frappe.db.set_value(
			"SIP Account",
			{"user": self.agent},
			{"outgoing_rewrite_pattern": r"^\+7", "outgoing_rewrite_replacement": "8"},
		)
		customer = make_customer()
		with self.with_stub() as stub:
			frappe.set_user(self.agent)
			result = api.place_call("+7 (916) 765-43-21", "Customer", customer.name)
		command = stub.commands[0]
		self.assertSigned(command)
		self.assertEqual(
			{k: command["json"][k] for k in ("action", "extension", "number")},
			{"action": "originate", "extension": "101", "number": "89167654321"},
		)
		call = frappe.get_doc(CALL, result["call"])
		self.assertEqual((call.direction, call.status, call.agent), ("Outbound", "Ringing", self.agent))
		self.assertEqual(call.call_id, command["json"]["call_id"])
		self.assertIn(
			("Customer", customer.name), [(link.link_doctype, link.link_name) for link in call.links]
		)

	def test_provider_refusal_ends_the_call_as_failed(self):
		with self.with_stub(status=500):
			frappe.set_user(self.agent)
			result = api.place_call("+79167654321")
		self.assertEqual(result["status"], "Failed")
		self.assertIn("500", result["error"])

	def test_user_without_a_line_is_told_so(self):
		frappe.set_user(make_user())
		with self.assertRaises(NoSipAccountError):
			api.place_call("+79167654321")

	def test_reject_sends_a_signed_hangup_and_ends_the_call_as_rejected(self):
		call = self.ring(unique_mobile())
		with self.with_stub() as stub:
			frappe.set_user(self.agent)
			result = api.reject_call(call.name)
		self.assertEqual(result["status"], "Rejected")
		self.assertEqual(stub.commands[0]["json"], {"action": "hangup", "call_id": call.call_id})
		self.assertSigned(stub.commands[0])

	def test_only_ringing_inbound_calls_can_be_rejected(self):
		call = self.ring(unique_mobile())
		done = process_event(
			call_event(self.provider.name, call.call_id, EventType.ENDED, 5, start=site_now())
		)
		frappe.set_user(self.agent)
		with self.assertRaises(frappe.ValidationError):
			api.reject_call(done.name)
