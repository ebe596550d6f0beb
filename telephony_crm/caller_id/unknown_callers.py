"""Unknown callers become leads (Telephony Settings → Unknown Callers).

An inbound call from a number no Customer, Contact or Lead has gets a Lead of its own, as the call is
answered (so the agent's popup shows it during the call) or once it ends missed. The call is linked to
the lead at once; the Lead's save hooks index its number, so the number's next calls find it.

One lead per number, whichever workers take its calls: the number's lock is held until the event's
transaction commits, and the number is looked up as last committed before a lead is made.
"""

import hashlib

import frappe
from frappe import _
from frappe.database import get_db
from frappe.utils import get_datetime

from telephony_crm.callbacks.assignment import assignee_for
from telephony_crm.calls import store
from telephony_crm.calls.events import CallStatus, Direction
from telephony_crm.calls.validation import clean_text
from telephony_crm.masking import shared_number

LEAD_SOURCE = "Telephony"
# The choices of Telephony Settings → Make a Lead for Unknown Callers.
NEVER = "Never"
ANSWERED = "Answered calls"
MISSED = "Missed calls"
ANSWERED_AND_MISSED = "Answered and missed calls"
LOCK_TIMEOUT_SECONDS = 10


def follow_unknown_caller(call) -> None:
	"""Follower: give the unknown caller of an inbound call a lead, when the settings ask for one now."""
	if call.direction != Direction.INBOUND.value or not call.external_number:
		return  # outbound and internal calls, withheld and odd numbers
	if call.customer or call.contact or call.lead or not _is_due(call):
		return
	number = call.external_number
	_lock_number_until_commit(number)
	records = _committed_records(number)
	if not records:
		lead, title = _make_lead(number, _lead_owner(call))
	elif records[0].reference_doctype == "Lead":
		# Another worker's call from the number made it since this transaction began.
		lead, title = records[0].reference_name, records[0].title
	else:
		return  # someone has just saved the number on a customer or contact
	call.lead, call.caller_name = lead, title
	# Written as the engine writes a call's facts; the desk is told with the call's new state.
	store.update_call_fields(call, ("lead", "caller_name"), [])


def create_lead_source() -> None:
	"""The Lead Source of the leads made from calls (install and migrate; idempotent)."""
	if not frappe.db.exists("Lead Source", LEAD_SOURCE):
		frappe.get_doc({"doctype": "Lead Source", "source_name": LEAD_SOURCE}).insert(ignore_permissions=True)


def _is_due(call) -> bool:
	setting = frappe.get_cached_doc("Telephony Settings").unknown_caller_leads or NEVER
	if call.answered_at:
		return setting in (ANSWERED, ANSWERED_AND_MISSED)
	return call.status == CallStatus.MISSED.value and setting in (MISSED, ANSWERED_AND_MISSED)


def _lead_owner(call) -> str | None:
	"""Who answered the call; for a missed call, whoever its call-back goes to (the responsible person,
	else the fallback for missed calls)."""
	if call.answered_at:
		return call.answered_by
	return assignee_for(call.external_number, get_datetime(call.started_at)).user


def _make_lead(number: str, owner: str | None) -> tuple[str, str]:
	# The title is the call's caller name too, which masked users read: the number as they see it.
	title = clean_text(_("Unknown caller {0}").format(shared_number(number)))
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": title,
			"lead_name": title,
			"source": LEAD_SOURCE,
			"lead_owner": owner,
			# Phone, whatever kind of number it is (ERPNext's contact for the lead copies it to Mobile No).
			"phone": number,
		}
	)
	# Without an owner the lead has none, rather than the default: the request's user (a webhook's Guest).
	lead.dont_update_if_missing = ["lead_owner"]
	lead.insert(ignore_permissions=True)
	return lead.name, lead.lead_name


def _lock_number_until_commit(number: str) -> None:
	"""Hold the number's lock (MariaDB's named lock, across workers) until the event's transaction ends:
	a call from the same number in another worker waits here until this one's lead is committed."""
	name = "telephony_crm:unknown-caller:" + hashlib.sha1(number.encode()).hexdigest()
	if frappe.db.sql("SELECT GET_LOCK(%s, %s)", (name, LOCK_TIMEOUT_SECONDS))[0][0] != 1:
		raise frappe.QueryTimeoutError(
			f"The unknown caller {number} stayed locked for {LOCK_TIMEOUT_SECONDS} s; no lead was made"
		)
	release = lambda: frappe.db.sql("SELECT RELEASE_LOCK(%s)", (name,))  # noqa: E731
	frappe.db.after_commit.add(release)
	frappe.db.after_rollback.add(release)


def _committed_records(number: str) -> list[frappe._dict]:
	"""The number's records in the phone index as last committed, leads first (those that still exist).

	The event's transaction reads a snapshot taken when it began, possibly before the worker that held
	the number's lock committed its lead. A locking read would see that lead, but its gap locks make
	inserts of other callers' numbers deadlock; a connection of its own reads without locks."""
	conf = frappe.conf
	db = get_db(
		socket=conf.db_socket,
		host=conf.db_host,
		port=conf.db_port,
		user=conf.db_user or conf.db_name,
		password=conf.db_password,
		cur_db_name=conf.db_name,
	)
	db.connect()
	try:
		return db.sql(
			"""select i.reference_doctype, i.reference_name, i.title from `tabTelephony Phone Index` i
			where i.phone = %s and (
				i.reference_doctype != 'Lead'
				or exists (select 1 from `tabLead` l where l.name = i.reference_name)
			)
			order by i.reference_doctype = 'Lead' desc, i.reference_name""",
			(number,),
			as_dict=True,
		)
	finally:
		db.close()
