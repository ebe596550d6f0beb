"""Test data, made the way the app's users make it."""

import hashlib
import random
import threading
from datetime import datetime, timedelta

import frappe

from telephony_crm.calls.events import CallEvent, CallStatus, Direction, EventType
from telephony_crm.calls.intake import commit_event, update_call
from telephony_crm.recordings import files
from telephony_crm.recordings.state import ON_SITE
from telephony_crm.rights.scopes import CALL_RIGHTS, NOBODY, NONE, OUTBOUND
from telephony_crm.roles import AGENT_ROLE

T0 = datetime(2026, 3, 2, 10, 0, 0)


def unique(prefix: str) -> str:
	return f"{prefix}-{frappe.generate_hash(length=8)}"


def unique_mobile() -> str:
	"""A Russian mobile number, in E.164, that no other test uses (test data outlives a run)."""
	return f"+7916{random.randrange(10**7):07d}"


def russian_national(e164: str) -> str:
	"""+79161234567 written the way people in Russia write it: 8 (916) 123-45-67."""
	n = e164[2:]
	return f"8 ({n[:3]}) {n[3:6]}-{n[6:8]}-{n[8:]}"


def use_region(country: str = "Russian Federation") -> None:
	frappe.db.set_single_value("Telephony Settings", "default_region", country)


def make_provider(region: str | None = "Russian Federation", **fields):
	return frappe.get_doc(
		{
			"doctype": "Telephony Provider Settings",
			"provider_name": unique("Test PBX"),
			"provider_type": "Generic Webhook",
			"enabled": 1,
			"default_region": region,
			**fields,
		}
	).insert(ignore_permissions=True)


def make_user(roles=(AGENT_ROLE,), prefix: str = "agent") -> str:
	email = f"{unique(prefix).lower()}@telephony.example"
	# Each test makes its own agents; Frappe refuses more than 60 new users a minute by default.
	frappe.local.conf.throttle_user_limit = 100_000
	user = frappe.get_doc(
		{"doctype": "User", "email": email, "first_name": prefix.title(), "send_welcome_email": 0}
	).insert(ignore_permissions=True)
	user.add_roles(*roles)
	return user.name


def make_sip_account(user: str, provider: str, extension: str, **fields):
	return frappe.get_doc(
		{"doctype": "SIP Account", "user": user, "provider": provider, "extension": extension, **fields}
	).insert(ignore_permissions=True)


def make_customer(name: str | None = None):
	return frappe.get_doc(
		{"doctype": "Customer", "customer_name": name or unique("Customer"), "customer_type": "Company"}
	).insert(ignore_permissions=True)


def make_contact(phones: list[str], customer: str | None = None, first_name: str | None = None):
	contact = frappe.get_doc({"doctype": "Contact", "first_name": first_name or unique("Contact")})
	for i, phone in enumerate(phones):
		contact.append("phone_nos", {"phone": phone, "is_primary_phone": int(i == 0)})
	if customer:
		contact.append("links", {"link_doctype": "Customer", "link_name": customer})
	return contact.insert(ignore_permissions=True)


def make_lead(**phones):
	return frappe.get_doc({"doctype": "Lead", "first_name": unique("Lead"), **phones}).insert(
		ignore_permissions=True
	)


def call_event(
	provider: str,
	call_id: str,
	event: EventType,
	seconds: float = 0,
	direction: Direction | None = Direction.INBOUND,
	caller: str | None = "+79161234567",
	called: str | None = "+74950000000",
	extension: str | None = "101",
	end_status: CallStatus | None = None,
	duration: int | None = None,
	recording_url: str | None = None,
	start: datetime = T0,
	reference: tuple[str, str] | None = None,
) -> CallEvent:
	"""An event `seconds` after `start`."""
	return CallEvent(
		provider=provider,
		call_id=call_id,
		event=event,
		time=start + timedelta(seconds=seconds),
		direction=direction,
		caller_number=caller,
		called_number=called,
		extension=extension,
		end_status=end_status,
		duration=duration,
		recording_url=recording_url,
		reference=reference,
	)


def recorded_call(
	provider: str,
	recording_url: str | None,
	extension: str = "101",
	call_id: str | None = None,
	start: datetime = T0,
	caller: str | None = "+79161234567",
) -> str:
	"""A call answered on `extension` after 5 s and ended a minute later with its recording, through
	the engine (committed); returns the call's name."""
	call_id = call_id or unique("recorded")
	events = (
		(EventType.RINGING, 0, {}),
		(EventType.ANSWERED, 5, {}),
		(EventType.ENDED, 65, {"end_status": CallStatus.COMPLETED, "recording_url": recording_url}),
	)
	for kind, seconds, fields in events:
		result = commit_event(
			call_event(
				provider, call_id, kind, seconds, extension=extension, start=start, caller=caller, **fields
			)
		)
	return result.name


def give_site_copy(call: str, data: bytes, extension: str = "mp3") -> str:
	"""The call's recording copied onto the site, as the copy job leaves it (committed); returns the
	name of its File."""
	partial = files.private_path(f".{call}.partial")
	with open(partial, "wb") as partial_file:
		partial_file.write(data)
	doc = frappe.get_doc("Telephony Call Log", call)
	file_name = files.store_file(doc, partial, extension, len(data), hashlib.md5(data).hexdigest())

	def stored(doc):
		doc.recording_status = ON_SITE
		doc.recording_file = file_name
		doc.recording_size = len(data)

	update_call(call, stored, by_engine=True)
	frappe.db.commit()
	return file_name


def delete_calls(provider: str) -> None:
	for name in frappe.get_all("Telephony Call Log", {"provider": provider}, pluck="name"):
		frappe.delete_doc("Telephony Call Log", name, ignore_permissions=True, force=True)


def make_item() -> str:
	code = unique("Item")
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": code,
			"item_group": "All Item Groups",
			"stock_uom": "Nos",
			"is_stock_item": 0,
		}
	).insert(ignore_permissions=True)
	return code


def make_sales_order(customer: str, item: str, rate: float = 100):
	company = (
		frappe.db.get_single_value("Global Defaults", "default_company")
		or frappe.get_all("Company", pluck="name")[0]
	)
	today = frappe.utils.today()
	return frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"company": company,
			"transaction_date": today,
			"delivery_date": today,
			"items": [{"item_code": item, "qty": 1, "rate": rate, "delivery_date": today}],
		}
	).insert(ignore_permissions=True)


# Helpers of the hardening tests (test_webhook_door, test_webhook_properties, test_hostile_strings).
from contextlib import contextmanager


def webhook_payload(**fields) -> dict:
	"""A Generic Webhook body: a new inbound call ringing extension 101 now."""
	return {
		"event": "ringing",
		"call_id": unique("wh"),
		"direction": "inbound",
		"from": unique_mobile(),
		"to": "+74951234567",
		"extension": "101",
		**fields,
	}


@contextmanager
def telephony_settings(**values):
	"""Telephony Settings changed inside the block, committed so that requests in other threads see it."""
	before = {field: frappe.db.get_single_value("Telephony Settings", field, cache=False) for field in values}
	frappe.db.set_single_value("Telephony Settings", values)
	frappe.db.commit()
	try:
		yield
	finally:
		frappe.db.set_single_value("Telephony Settings", before)
		frappe.db.commit()


def provider_footprint(provider: str) -> tuple[int, int]:
	"""How many calls and call events the provider has (a refused event changes neither)."""
	return tuple(
		frappe.db.sql(
			"""select (select count(*) from `tabTelephony Call Log` where provider = %(p)s),
			(select count(*) from `tabTelephony Call Event` e join `tabTelephony Call Log` c
				on c.name = e.parent where c.provider = %(p)s)""",
			{"p": provider},
		)[0]
	)


def stored_strings(call: str) -> list[str]:
	"""The text of every Data and text field stored for the call, in its own row and its events' rows."""
	values = []
	for doctype, filters in (
		("Telephony Call Log", {"name": call}),
		("Telephony Call Event", {"parent": call}),
	):
		fields = [df.fieldname for df in frappe.get_meta(doctype).fields if df.fieldtype in _TEXT_FIELDS]
		values += [v for row in frappe.get_all(doctype, filters, fields) for v in row.values() if v]
	return values


_TEXT_FIELDS = ("Data", "Small Text", "Text", "Long Text")


@contextmanager
def role_rights(**changes):
	"""Telephony Settings → Role Rights changed inside the block: `changes` is {role: {right: scope}}
	(a role without a row gets one, with no rights but those given), committed for other threads."""
	settings = frappe.get_single("Telephony Settings")
	before = [row.as_dict() for row in settings.role_rights]
	rows = {row.role: row for row in settings.role_rights}
	for role, rights in changes.items():
		row = rows.get(role) or settings.append(
			"role_rights",
			{"role": role, **dict.fromkeys(CALL_RIGHTS, NONE), OUTBOUND: NOBODY},
		)
		row.update(rights)
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	try:
		yield
	finally:
		settings = frappe.get_single("Telephony Settings")
		settings.set("role_rights", [{k: row[k] for k in ("role", *CALL_RIGHTS, OUTBOUND)} for row in before])
		settings.save(ignore_permissions=True)
		frappe.db.commit()


def run_at_once(actions) -> None:
	"""Each action in a thread of its own with its own site connection and transaction, as separate
	workers, all started together; raises the first error any of them raised, then reads afresh what
	they committed."""
	site, start, errors = frappe.local.site, threading.Barrier(len(actions)), []

	def worker(action):
		frappe.init(site=site)
		frappe.connect()
		try:
			start.wait()
			action()
		except Exception as error:
			errors.append(error)
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=worker, args=(action,)) for action in actions]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	if errors:
		raise errors[0]
	frappe.db.rollback()


def commit_at_once(events) -> None:
	"""Each event committed by a worker of its own, all at once (run_at_once)."""
	run_at_once([lambda event=event: commit_event(event) for event in events])
