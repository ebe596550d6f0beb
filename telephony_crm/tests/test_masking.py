"""Number masking by role: a masked user gets masked numbers (or none) from every path that carries
calls' and call-backs' numbers (form, list, report view, REST, export, popup, realtime, the Agents view),
cannot find numbers by filtering on them, and still calls them by reference; an unmasked supervisor sees
them all. ToDo keeps its permissions otherwise."""

import json
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.desk.form.load import getdoc
from frappe.desk.query_report import run as run_report
from frappe.desk.reportview import get as reportview_get
from frappe.permissions import rights, update_permission_property
from frappe.tests.utils import FrappeTestCase

from telephony_crm.analytics import cards
from telephony_crm.api import calls as api
from telephony_crm.availability.board import agent_rows
from telephony_crm.callbacks.fields import COUNT_FIELD, NUMBER_FIELD, TODO
from telephony_crm.callbacks.todo import callback_writes
from telephony_crm.caller_id.unknown_callers import ANSWERED
from telephony_crm.calls.dialling import plan_dialling
from telephony_crm.calls.events import CallStatus, EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.calls.outbound import sip_account_for
from telephony_crm.calls.times import site_now
from telephony_crm.masking import NUMBER_PERMLEVEL, masked_number, masks_numbers, number_for_user
from telephony_crm.masking.copies import remask_all_calls
from telephony_crm.masking.format import HIDE, MASK_FIRST, MASK_LAST, mask_number
from telephony_crm.masking.viewers import (
	NUMBER_READERS,
	add_callback_number_perms,
	add_number_level_perms,
	remove_callback_number_perms,
)
from telephony_crm.patches import callback_number_list_filters
from telephony_crm.realtime import CALL_EVENT
from telephony_crm.recordings.files import recording_file_name
from telephony_crm.rights.outbound import OutboundRefused
from telephony_crm.rights.scopes import CRM_CONTACTS, OUTBOUND
from telephony_crm.roles import AGENT_ROLE, DEPARTMENT_HEAD_ROLE, NUMBER_VIEWER_ROLE, SUPERVISOR_ROLE
from telephony_crm.tests.client import api_headers, request
from telephony_crm.tests.factories import (
	call_event,
	delete_calls,
	make_provider,
	make_sip_account,
	make_user,
	role_rights,
	telephony_settings,
	unique,
	unique_mobile,
	use_region,
)
from telephony_crm.tests.stub_pbx import StubPBX
from telephony_crm.tests.test_callbacks import CallbackCase
from telephony_crm.tests.test_unknown_callers import UnknownCallerCase

CALL = "Telephony Call Log"
SETTINGS = "Telephony Settings"
RAW_FIELDS = ("external_number", "caller_number", "called_number")
PLACE_BY_REFERENCE = "/api/method/telephony_crm.api.calls.place_call_from_record"


@contextmanager
def masking(roles=(AGENT_ROLE,), mode=MASK_FIRST, digits=6):
	"""Telephony Settings → Number Masking set inside the block (committed, for requests in other
	threads); yields the mock of the re-masking job's queue."""
	settings = frappe.get_single(SETTINGS)
	before = (
		[row.role for row in settings.masked_roles],
		settings.number_masking_mode,
		settings.masked_digits,
	)

	def apply(roles, mode, digits):
		settings = frappe.get_single(SETTINGS)
		settings.set("masked_roles", [{"role": role} for role in roles])
		settings.number_masking_mode, settings.masked_digits = mode, digits
		with patch("telephony_crm.masking.copies.frappe.enqueue") as enqueue:
			settings.save(ignore_permissions=True)
		frappe.db.commit()
		return enqueue

	enqueue = apply(roles, mode, digits)
	try:
		yield enqueue
	finally:
		apply(*before)


def digits_of(number: str) -> str:
	return number.lstrip("+")


class TestMaskFormat(FrappeTestCase):
	def test_country_code_kept_first_or_last_digits_masked(self):
		self.assertEqual(mask_number("+79161234567", MASK_FIRST, 6), "+7 *** ***-45-67")
		self.assertEqual(mask_number("+79161234567", MASK_LAST, 4), "+7 916 123-**-**")
		self.assertEqual(mask_number("+4930123456", MASK_LAST, 3), "+49 30 123***")

	def test_national_numbers_are_read_in_the_region(self):
		self.assertEqual(mask_number("89161234567", MASK_FIRST, 6, "RU"), "+7 *** ***-45-67")
		# Without a region it is digits only: masked where they stand.
		self.assertEqual(mask_number("89161234567", MASK_LAST, 4), "8916123****")

	def test_more_digits_than_the_number_has_mask_it_all(self):
		self.assertEqual(mask_number("+79161234567", MASK_FIRST, 99), "+7 *** ***-**-**")

	def test_hide_leaves_nothing_and_extensions_stay(self):
		self.assertEqual(mask_number("+79161234567", HIDE, 6), "")
		self.assertEqual(mask_number("101", MASK_FIRST, 6), "101")
		self.assertEqual(mask_number("101", HIDE, 6), "101")
		self.assertIsNone(mask_number(None, MASK_FIRST, 6))


class MaskingCase(FrappeTestCase):
	"""`masked` is an agent (a masked role) who is also a department head (who may export); the
	supervisor is not masked. Both phones ring for the call; the agent answers it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_region()
		cls.masking = masking()
		cls.masking.__enter__()
		cls.provider = make_provider()
		cls.masked = make_user(roles=(AGENT_ROLE, DEPARTMENT_HEAD_ROLE), prefix="masked")
		cls.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		make_sip_account(cls.masked, cls.provider.name, "301")
		make_sip_account(cls.supervisor, cls.provider.name, "302")
		cls.headers = {user: api_headers(user) for user in (cls.masked, cls.supervisor)}
		cls.number = unique_mobile()
		cls.call = cls.answered_call(cls.number)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider.name)
		cls.masking.__exit__(None, None, None)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	@classmethod
	def answered_call(cls, number: str, end: bool = True) -> str:
		call_id, start = unique("masked"), site_now() - timedelta(minutes=5)
		events = [
			call_event(
				cls.provider.name, call_id, EventType.RINGING, caller=number, extension="301", start=start
			),
			call_event(
				cls.provider.name, call_id, EventType.RINGING, caller=number, extension="302", start=start
			),
			call_event(
				cls.provider.name, call_id, EventType.ANSWERED, 3, caller=number, extension="301", start=start
			),
		]
		if end:
			events.append(
				call_event(
					cls.provider.name,
					call_id,
					EventType.ENDED,
					60,
					caller=number,
					extension="301",
					end_status=CallStatus.COMPLETED,
					start=start,
				)
			)
		for event in events:
			result = commit_event(event)
		return result.name

	@property
	def masked_form(self) -> str:
		return masked_number(self.number)

	def assertNoNumber(self, payload):
		"""Neither the number nor its digits (as the PBX wrote them) anywhere in `payload`."""
		text = payload if isinstance(payload, str | bytes) else json.dumps(payload, default=str)
		text = text.decode() if isinstance(text, bytes) else text
		self.assertNotIn(digits_of(self.number), text)
		self.assertNotIn(digits_of(self.number)[-10:], text)

	def get(self, user: str, path: str, **query):
		return request("get", path, self.headers[user], query_string=query)


class TestWhoIsMasked(MaskingCase):
	def test_the_masked_role_wins_and_the_viewer_role_follows(self):
		self.assertTrue(masks_numbers(self.masked))
		self.assertFalse(masks_numbers(self.supervisor))
		self.assertNotIn(NUMBER_VIEWER_ROLE, frappe.get_roles(self.masked))
		self.assertIn(NUMBER_VIEWER_ROLE, frappe.get_roles(self.supervisor))
		self.assertEqual(number_for_user(self.number, self.masked), self.masked_form)
		self.assertEqual(number_for_user(self.number, self.supervisor), self.number)

	def test_unmasking_the_role_gives_the_numbers_back(self):
		with masking(roles=()):
			self.assertFalse(masks_numbers(self.masked))
			self.assertIn(NUMBER_VIEWER_ROLE, frappe.get_roles(self.masked))
		self.assertNotIn(NUMBER_VIEWER_ROLE, frappe.get_roles(self.masked))

	def test_a_user_given_a_masked_role_loses_the_numbers_on_save(self):
		user = make_user(roles=(SUPERVISOR_ROLE,))
		self.assertIn(NUMBER_VIEWER_ROLE, frappe.get_roles(user))
		frappe.get_doc("User", user).add_roles(AGENT_ROLE)
		self.assertNotIn(NUMBER_VIEWER_ROLE, frappe.get_roles(user))

	def test_custom_permissions_get_the_numbers_level(self):
		frappe.permissions.setup_custom_perms(CALL)
		try:
			frappe.db.delete("Custom DocPerm", {"parent": CALL, "role": NUMBER_VIEWER_ROLE})
			frappe.db.delete("Custom DocPerm", {"parent": CALL, "permlevel": 2})
			add_number_level_perms()
			self.assertEqual(
				set(
					frappe.get_all(
						"Custom DocPerm", {"parent": CALL, "permlevel": 2, "read": 1}, pluck="role"
					)
				),
				set(NUMBER_READERS),
			)
			# The Role Permission Manager still saves the call's permissions (a level 0 row for each
			# role with a higher level).
			update_permission_property(CALL, AGENT_ROLE, 0, "export", 1)
			frappe.set_user(self.supervisor)
			self.assertEqual(
				frappe.get_list(CALL, {"name": self.call}, ["external_number"])[0].external_number,
				self.number,
			)
		finally:
			frappe.set_user("Administrator")
			frappe.db.delete("Custom DocPerm", {"parent": CALL})
			frappe.clear_cache(doctype=CALL)


class TestGenericPaths(MaskingCase):
	def test_stored_copies_are_masked(self):
		stored = frappe.db.get_value(
			CALL,
			self.call,
			["external_number", "external_number_display", "caller_number_display"],
			as_dict=True,
		)
		self.assertEqual(stored.external_number, self.number)
		self.assertEqual(
			stored.external_number_display, "+7 *** ***-" + "-".join((self.number[-4:-2], self.number[-2:]))
		)
		self.assertEqual(stored.caller_number_display, self.masked_form)

	def test_form_load(self):
		frappe.set_user(self.masked)
		getdoc(CALL, self.call)
		doc = frappe.response.docs[0].as_dict(no_nulls=True)
		for field in RAW_FIELDS:
			self.assertNotIn(field, doc)
		self.assertEqual(doc["external_number_display"], self.masked_form)
		self.assertTrue(doc["events"])
		for row in doc["events"]:
			self.assertNotIn("caller_number", row)
		self.assertNoNumber(doc)

		frappe.set_user(self.supervisor)
		getdoc(CALL, self.call)
		self.assertEqual(frappe.response.docs[-1].external_number, self.number)

	def test_get_list_and_report_view(self):
		frappe.set_user(self.masked)
		rows = frappe.get_list(
			CALL, {"name": self.call}, ["name", "external_number", "external_number_display"]
		)
		self.assertEqual(rows, [{"name": self.call, "external_number_display": self.masked_form}])
		self.assertNoNumber(frappe.get_list(CALL, {"name": self.call}, ["*"]))

		# The desk's report view, as it asks (every raw field, and a child table's).
		fields = ["name", *RAW_FIELDS, "`tabTelephony Call Event`.`caller_number`", "external_number_display"]
		answer = self.get(
			self.masked,
			"/api/method/frappe.desk.reportview.get",
			doctype=CALL,
			fields=json.dumps(fields),
			filters=json.dumps({"name": self.call}),
		)
		self.assertEqual(answer.status_code, 200)
		values = answer.get_json()["message"]["values"]
		self.assertEqual({tuple(row) for row in values}, {(self.call, self.masked_form)})
		self.assertNoNumber(answer.data)
		# In the site's own code, as the popup asks.
		frappe.local.form_dict = frappe._dict(
			doctype=CALL, fields=["name", "external_number_display"], filters={"name": self.call}
		)
		self.assertEqual(reportview_get()["values"], [[self.call, self.masked_form]])

		frappe.set_user(self.supervisor)
		rows = frappe.get_list(CALL, {"name": self.call}, ["external_number"])
		self.assertEqual(rows[0].external_number, self.number)

	def test_rest(self):
		read = self.get(self.masked, f"/api/resource/{CALL}/{self.call}")
		self.assertEqual(read.status_code, 200)
		self.assertEqual(read.get_json()["data"]["external_number_display"], self.masked_form)
		self.assertNoNumber(read.data)

		for fields in (["*"], [*RAW_FIELDS, "name", "`tabTelephony Call Event`.`caller_number`"]):
			listed = self.get(
				self.masked,
				f"/api/resource/{CALL}",
				fields=json.dumps(fields),
				filters=json.dumps([["name", "=", self.call]]),
			)
			self.assertEqual(listed.status_code, 200)
			self.assertTrue(listed.get_json()["data"])
			self.assertNoNumber(listed.data)

		for method, args in (
			("frappe.client.get", {"doctype": CALL, "name": self.call}),
			(
				"frappe.client.get_list",
				{
					"doctype": CALL,
					"fields": json.dumps(RAW_FIELDS),
					"filters": json.dumps({"name": self.call}),
				},
			),
			(
				"frappe.client.get_value",
				{"doctype": CALL, "fieldname": json.dumps(RAW_FIELDS), "filters": self.call},
			),
		):
			answer = self.get(self.masked, f"/api/method/{method}", **args)
			self.assertEqual(answer.status_code, 200, method)
			self.assertNoNumber(answer.data)

		for path, query in (
			(f"/api/v2/document/{CALL}/{self.call}", {}),
			(f"/api/v2/document/{CALL}", {"fields": json.dumps([*RAW_FIELDS, "name"]), "limit": 1000}),
		):
			answer = self.get(self.masked, path, **query)
			self.assertEqual(answer.status_code, 200, path)
			self.assertIn(self.call, answer.data.decode())
			self.assertNoNumber(answer.data)

		read = self.get(self.supervisor, f"/api/resource/{CALL}/{self.call}")
		self.assertEqual(read.get_json()["data"]["external_number"], self.number)

	def test_export(self):
		def export(user):
			return request(
				"post",
				"/api/method/frappe.desk.reportview.export_query",
				self.headers[user],
				data={
					"doctype": CALL,
					"file_format_type": "CSV",
					"fields": json.dumps([f"`tab{CALL}`.`{field}`" for field in ("name", *RAW_FIELDS)]),
					"filters": json.dumps([[CALL, "name", "=", self.call]]),
				},
			)

		masked = export(self.masked)
		self.assertEqual(masked.status_code, 200)
		self.assertIn(self.call, masked.data.decode())
		self.assertNoNumber(masked.data)
		self.assertIn(digits_of(self.number), export(self.supervisor).data.decode())

	def test_filtering_or_sorting_by_a_raw_number_is_refused(self):
		prefix = self.number[:6]
		for query in (
			{"filters": json.dumps([["external_number", "like", f"{prefix}%"]])},
			{"filters": json.dumps({"caller_number": self.number})},
			{"or_filters": json.dumps([["Telephony Call Event", "caller_number", "like", f"{prefix}%"]])},
			{"order_by": "external_number asc"},
		):
			answer = self.get(self.masked, f"/api/resource/{CALL}", **query)
			self.assertEqual(answer.status_code, 403, query)
			self.assertIn("masked", answer.data.decode())
			self.assertEqual(self.get(self.supervisor, f"/api/resource/{CALL}", **query).status_code, 200)

		for method, args in (
			(
				"frappe.desk.reportview.get",
				{"doctype": CALL, "fields": '["name"]', "filters": '{"external_number": "x"}'},
			),
			("frappe.client.get_count", {"doctype": CALL, "filters": '[["external_number", "like", "+7%"]]'}),
			(
				"frappe.desk.listview.get_group_by_count",
				{"doctype": CALL, "current_filters": "[]", "field": "external_number"},
			),
			(
				"frappe.desk.search.search_link",
				{"doctype": CALL, "txt": "+7", "searchfield": "external_number"},
			),
		):
			self.assertEqual(self.get(self.masked, f"/api/method/{method}", **args).status_code, 403, method)
		# The masked copies are for filtering.
		self.assertEqual(
			self.get(
				self.masked,
				f"/api/resource/{CALL}",
				filters=json.dumps({"external_number_display": self.masked_form}),
			).status_code,
			200,
		)


class TestAppPaths(MaskingCase):
	def test_realtime_payloads(self):
		number = unique_mobile()
		with patch("frappe.publish_realtime") as publish:
			call = self.answered_call(number, end=False)
		sent = {c.kwargs["user"]: c.args[1] for c in publish.call_args_list if c.args[0] == CALL_EVENT}
		self.assertEqual(set(sent), {self.masked, self.supervisor})
		self.assertEqual(sent[self.masked]["external_number"], masked_number(number))
		self.assertTrue(sent[self.masked]["numbers_masked"])
		self.assertNotIn(digits_of(number), json.dumps(sent[self.masked], default=str))
		self.assertEqual(sent[self.supervisor]["external_number"], number)
		frappe.set_user(self.masked)
		(active,) = [c for c in api.get_active_calls() if c.name == call]
		self.assertEqual(active.external_number, masked_number(number))

	def test_popup_summary_and_context(self):
		frappe.set_user(self.masked)
		context = api.get_call_context(self.call)
		self.assertEqual(context["call"]["external_number"], self.masked_form)
		self.assertNoNumber(context)
		frappe.set_user(self.supervisor)
		self.assertEqual(api.get_call_context(self.call)["call"]["external_number"], self.number)

	def test_agents_view(self):
		number = unique_mobile()
		self.answered_call(number, end=False)
		(mine,) = agent_rows([self.masked], viewer=self.masked)
		self.assertTrue(mine.calls)
		self.assertEqual({c["external_number"] for c in mine.calls}, {masked_number(number)})
		(seen,) = agent_rows([self.masked], viewer=self.supervisor)
		self.assertEqual({c["external_number"] for c in seen.calls}, {number})

	def test_missed_calls_report(self):
		number, call_id, start = unique_mobile(), unique("missed"), site_now() - timedelta(minutes=3)
		for kind, seconds in ((EventType.RINGING, 0), (EventType.ENDED, 20)):
			commit_event(
				call_event(
					self.provider.name, call_id, kind, seconds, caller=number, extension="301", start=start
				)
			)
		filters = {"from_date": str(start.date()), "to_date": str(start.date())}

		def numbers_seen_by(user):
			frappe.set_user(user)
			try:
				rows = run_report("Missed Calls", filters)["result"]
			finally:
				frappe.set_user("Administrator")
			self.assertTrue(rows)
			self.assertTrue(all("external_number_display" not in row for row in rows))
			return {row["external_number"] for row in rows}

		self.assertEqual(numbers_seen_by(self.masked), {masked_number(number)})
		self.assertIn(number, numbers_seen_by(self.supervisor))

	def test_recording_file_names(self):
		call = frappe.get_doc(CALL, self.call)
		self.assertNoNumber(recording_file_name(call, "mp3", self.masked))
		self.assertIn(digits_of(self.number), recording_file_name(call, "mp3", self.supervisor))


class CallingCase(MaskingCase):
	"""Calls placed through a stub PBX; the outbound calls go after each test."""

	def tearDown(self):
		frappe.set_user("Administrator")
		for name in frappe.get_all(
			CALL, {"provider": self.provider.name, "direction": "Outbound"}, pluck="name"
		):
			frappe.delete_doc(CALL, name, ignore_permissions=True, force=True)
		frappe.db.commit()

	def with_stub(self):
		stub = StubPBX()
		self.provider.reload()
		self.provider.control_url = stub.url
		self.provider.save(ignore_permissions=True)
		frappe.db.commit()
		return stub


class TestCallByReference(CallingCase):
	def test_the_server_dials_the_real_number_and_the_browser_never_gets_it(self):
		with self.with_stub() as stub:
			answer = request(
				"post",
				PLACE_BY_REFERENCE,
				self.headers[self.masked],
				data={"doctype": CALL, "name": self.call, "fieldname": "external_number_display"},
			)
		self.assertEqual(answer.status_code, 200, answer.data)
		self.assertNoNumber(answer.data)
		expected = plan_dialling(self.number, sip_account_for(self.masked)).number
		self.assertEqual(stub.commands[0]["json"]["number"], expected)
		self.assertIn(digits_of(self.number)[-7:], expected)

	def test_a_refusal_does_not_name_the_number(self):
		with role_rights(
			**{AGENT_ROLE: {OUTBOUND: CRM_CONTACTS}, DEPARTMENT_HEAD_ROLE: {OUTBOUND: CRM_CONTACTS}}
		):
			frappe.set_user(self.masked)
			with self.assertRaises(OutboundRefused) as refused:
				api.place_call_from_record(CALL, self.call, "external_number")
			frappe.set_user("Administrator")
		self.assertIn(self.masked_form, str(refused.exception))
		self.assertNoNumber(str(refused.exception))

	def test_only_records_the_user_reads_and_phone_fields(self):
		other = make_user(roles=(AGENT_ROLE,))
		frappe.set_user(other)
		with self.assertRaises(frappe.PermissionError):
			api.place_call_from_record(CALL, self.call, "external_number")
		frappe.set_user(self.masked)
		with self.assertRaises(frappe.PermissionError):
			api.place_call_from_record(CALL, self.call, "call_id")


class TestRemasking(MaskingCase):
	def test_changing_the_masking_rewrites_the_stored_copies(self):
		with masking(mode=MASK_LAST, digits=4) as enqueue:
			self.assertEqual(enqueue.call_args.args[0], "telephony_crm.masking.copies.remask_all_calls")
			remask_all_calls()
			stored = frappe.db.get_value(CALL, self.call, "external_number_display")
			self.assertEqual(stored, mask_number(self.number, MASK_LAST, 4))
			self.assertTrue(stored.endswith("-**-**"))
			frappe.set_user(self.masked)
			self.assertEqual(api.get_call_context(self.call)["call"]["external_number"], stored)
			frappe.set_user("Administrator")
		remask_all_calls()
		self.assertEqual(frappe.db.get_value(CALL, self.call, "external_number_display"), self.masked_form)


class TestCallbackDescription(CallbackCase):
	def test_a_masked_site_writes_the_masked_number(self):
		number = self.number()
		with masking():
			self.missed(number)
			todo = self.callback(number)
			self.assertIn(masked_number(number), todo.description)
			self.assertNotIn(digits_of(number), todo.description)
		remask_all_calls()
		self.assertIn(number, frappe.db.get_value("ToDo", todo.name, "description"))


class TestUnknownCallerLead(UnknownCallerCase):
	def test_the_lead_made_for_an_unknown_caller_is_titled_with_the_masked_number(self):
		number = self.number()
		with masking(), telephony_settings(unknown_caller_leads=ANSWERED):
			name = self.answer(self.ringing(number), number)
		lead = self.lead_of(number)
		self.assertEqual(lead.lead_name, f"Unknown caller {masked_number(number)}")
		caller_name = frappe.db.get_value(CALL, name, "caller_name")
		self.assertEqual(caller_name, lead.lead_name)
		self.assertNotIn(digits_of(number), caller_name)


class TestCallbackNumber(CallingCase):
	"""A call-back ToDo of the call's number, assigned to the masked agent by the supervisor (both may
	read it); its number is read at the numbers' level, its missed calls at level 0."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.system_manager = make_user(roles=("System Manager",), prefix="manager")
		cls.headers[cls.system_manager] = api_headers(cls.system_manager)
		with callback_writes():
			cls.todo = (
				frappe.get_doc(
					{
						"doctype": TODO,
						"description": "Call back",
						"allocated_to": cls.masked,
						"assigned_by": cls.supervisor,
						NUMBER_FIELD: cls.number,
						COUNT_FIELD: 2,
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.delete_doc(TODO, cls.todo, ignore_permissions=True, force=True)
		super().tearDownClass()

	def test_form_print_list_report_view_and_rest_carry_no_number(self):
		frappe.set_user(self.masked)
		getdoc(TODO, self.todo)
		doc = frappe.response.docs.pop().as_dict(no_nulls=True)
		self.assertNotIn(NUMBER_FIELD, doc)
		self.assertEqual(doc[COUNT_FIELD], 2)
		self.assertNoNumber(doc)
		self.assertEqual(
			frappe.get_list(TODO, {"name": self.todo}, ["name", NUMBER_FIELD, COUNT_FIELD]),
			[{"name": self.todo, COUNT_FIELD: 2}],
		)
		self.assertNoNumber(frappe.get_print(TODO, self.todo))
		frappe.set_user("Administrator")

		for path, query in (
			("/api/method/frappe.client.get", {"doctype": TODO, "name": self.todo}),
			(
				"/api/method/frappe.client.get_list",
				{
					"doctype": TODO,
					"fields": json.dumps([NUMBER_FIELD, "name"]),
					"filters": json.dumps({"name": self.todo}),
				},
			),
			(
				"/api/method/frappe.client.get_value",
				{"doctype": TODO, "fieldname": json.dumps([NUMBER_FIELD, "name"]), "filters": self.todo},
			),
			(f"/api/resource/{TODO}/{self.todo}", {}),
			(f"/api/resource/{TODO}", {"fields": '["*"]', "filters": json.dumps({"name": self.todo})}),
			(
				"/api/method/frappe.desk.reportview.get",
				{
					"doctype": TODO,
					"fields": json.dumps(["name", NUMBER_FIELD, COUNT_FIELD]),
					"filters": json.dumps({"name": self.todo}),
				},
			),
		):
			answer = self.get(self.masked, path, **query)
			self.assertEqual(answer.status_code, 200, path)
			self.assertIn(self.todo, answer.data.decode())
			self.assertNoNumber(answer.data)

		for user in (self.supervisor, self.system_manager):
			read = self.get(user, f"/api/resource/{TODO}/{self.todo}")
			self.assertEqual(read.get_json()["data"][NUMBER_FIELD], self.number, user)
		frappe.set_user(self.supervisor)
		self.assertIn(digits_of(self.number), frappe.get_print(TODO, self.todo))

	def test_filtering_or_sorting_by_the_number_is_refused(self):
		for path, query in (
			(f"/api/resource/{TODO}", {"filters": json.dumps({NUMBER_FIELD: self.number})}),
			(
				f"/api/resource/{TODO}",
				{"filters": json.dumps([[NUMBER_FIELD, "like", self.number[:6] + "%"]])},
			),
			(f"/api/resource/{TODO}", {"order_by": f"{NUMBER_FIELD} desc"}),
			(
				"/api/method/frappe.client.get_count",
				{"doctype": TODO, "filters": json.dumps({NUMBER_FIELD: ["is", "set"]})},
			),
			(
				"/api/method/frappe.desk.listview.get_group_by_count",
				{"doctype": TODO, "current_filters": "[]", "field": NUMBER_FIELD},
			),
		):
			answer = self.get(self.masked, path, **query)
			self.assertEqual(answer.status_code, 403, query)
			self.assertIn("masked", answer.data.decode())
			self.assertEqual(self.get(self.supervisor, path, **query).status_code, 200, query)

	def test_the_desks_call_back_filters_are_the_missed_calls(self):
		frappe.set_user(self.masked)
		card = cards.missed_not_called_back()
		frappe.set_user("Administrator")
		self.assertEqual(card["route"], ["List", TODO])
		shortcut = next(
			row
			for row in frappe.get_doc("Workspace", "Telephony").shortcuts
			if row.label == "My Missed Call-backs"
		)
		self.assertNotIn(NUMBER_FIELD, shortcut.stats_filter)
		self.assertIn(COUNT_FIELD, shortcut.stats_filter)
		for filters in (card["route_options"], {"allocated_to": self.masked, COUNT_FIELD: [">", 0]}):
			answer = self.get(
				self.masked, f"/api/resource/{TODO}", filters=json.dumps({**filters, "name": self.todo})
			)
			self.assertEqual(answer.status_code, 200, filters)
			self.assertEqual([row["name"] for row in answer.get_json()["data"]], [self.todo])

	def test_calling_back_by_reference_dials_the_real_number(self):
		with self.with_stub() as stub:
			answer = request(
				"post",
				PLACE_BY_REFERENCE,
				self.headers[self.masked],
				data={"doctype": TODO, "name": self.todo, "fieldname": NUMBER_FIELD},
			)
		self.assertEqual(answer.status_code, 200, answer.data)
		self.assertNoNumber(answer.data)
		expected = plan_dialling(self.number, sip_account_for(self.masked)).number
		self.assertEqual(stub.commands[0]["json"]["number"], expected)
		placed = frappe.get_doc(CALL, answer.get_json()["message"]["call"])
		self.assertEqual(placed.external_number, self.number)
		self.assertIn((TODO, self.todo), [(row.link_doctype, row.link_name) for row in placed.links])


class TestToDoPermissions(FrappeTestCase):
	"""ToDo's permissions are custom for the call-back number's level, and otherwise as Frappe's."""

	def tearDown(self):
		frappe.set_user("Administrator")

	@staticmethod
	def level_zero_rows(rows) -> set[tuple]:
		return {
			(row.role, row.if_owner, *(row.get(right) or 0 for right in rights))
			for row in rows
			if not row.permlevel and row.role != NUMBER_VIEWER_ROLE
		}

	def test_the_standard_rows_are_copied_and_the_numbers_level_added(self):
		meta = frappe.get_meta(TODO)
		self.assertTrue(frappe.db.exists("Custom DocPerm", {"parent": TODO}))
		self.assertEqual(
			self.level_zero_rows(meta.permissions),
			self.level_zero_rows(frappe.get_all("DocPerm", {"parent": TODO}, ["*"])),
		)
		self.assertEqual(meta.get_field(NUMBER_FIELD).permlevel, NUMBER_PERMLEVEL)
		self.assertEqual(
			{row.role for row in meta.permissions if row.permlevel == NUMBER_PERMLEVEL and row.read},
			set(NUMBER_READERS),
		)
		# The viewer's row of level 0 (Frappe wants one) only selects.
		(viewer,) = [row for row in meta.permissions if row.role == NUMBER_VIEWER_ROLE and not row.permlevel]
		self.assertEqual([right for right in rights if viewer.get(right)], ["select"])

	def test_agents_keep_their_own_todos_only(self):
		agent, colleague = make_user(prefix="agent"), make_user(prefix="agent")
		self.assertIn(NUMBER_VIEWER_ROLE, frappe.get_roles(agent))
		frappe.set_user(colleague)
		theirs = frappe.get_doc(
			{"doctype": TODO, "description": "theirs", "allocated_to": colleague}
		).insert()
		frappe.set_user(agent)
		mine = frappe.get_doc({"doctype": TODO, "description": "mine", "allocated_to": agent}).insert()
		mine.status = "Closed"
		mine.save()
		self.assertEqual(
			frappe.get_list(TODO, {"name": ("in", [mine.name, theirs.name])}, pluck="name"), [mine.name]
		)
		self.assertFalse(frappe.has_permission(TODO, "read", theirs.name))
		self.assertFalse(frappe.has_permission(TODO, "select", theirs.name))
		frappe.set_user("Administrator")
		manager = make_user(roles=("System Manager",), prefix="manager")
		frappe.set_user(manager)
		self.assertTrue(frappe.has_permission(TODO, "read", theirs.name))
		self.assertEqual(len(frappe.get_list(TODO, {"name": ("in", [mine.name, theirs.name])})), 2)

	def test_uninstalling_gives_todo_its_standard_permissions_back(self):
		try:
			remove_callback_number_perms()
			self.assertFalse(frappe.db.exists("Custom DocPerm", {"parent": TODO}))
		finally:
			add_callback_number_perms()
		self.assertEqual(
			frappe.db.count("Custom DocPerm", {"parent": TODO, "permlevel": NUMBER_PERMLEVEL}), 2
		)

	def test_saved_list_filters_by_the_number_become_the_missed_calls(self):
		user = make_user(prefix="agent")
		saved = {
			"List": {
				"filters": [
					["ToDo", NUMBER_FIELD, "is", "set", False],
					["ToDo", "status", "=", "Open", False],
				],
				"sort_by": NUMBER_FIELD,
				"sort_order": "asc",
			},
			"Report": {"filters": [["ToDo", NUMBER_FIELD, "=", unique_mobile(), False]]},
			"last_view": "List",
		}
		frappe.db.sql(
			"insert into `__UserSettings` (`user`, `doctype`, `data`) values (%s, %s, %s)",
			(user, TODO, json.dumps(saved)),
		)
		callback_number_list_filters.execute()
		data = frappe.db.sql(
			"select data from `__UserSettings` where user = %s and doctype = %s", (user, TODO)
		)
		self.assertEqual(
			json.loads(data[0][0]),
			{
				"List": {
					"filters": [["ToDo", COUNT_FIELD, ">", 0, False], ["ToDo", "status", "=", "Open", False]]
				},
				"Report": {"filters": []},
				"last_view": "List",
			},
		)
