"""Busy: an agent is Busy while they talk on a call, and back to what they chose when their last call
ends. A follower of the call engine (calls/followups.py).

The agent's record lists the calls they are on; each call adds and removes only itself, under the
agent's lock, so two calls of one agent, changed by two workers at once, leave it right.

A PBX that never reports a call's end (a lost hangup event, a restart) would keep its agent Busy for
good: a call the PBX has said nothing about for the settings' *Free Agents from Calls Without End After*
hours stops counting (`release_stale_calls`), with a comment on the call saying so."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, get_fullname, now_datetime

from telephony_crm.availability.record import CALL, CALL_WITHOUT_END, change_agent
from telephony_crm.availability.status import STATUS_DOCTYPE
from telephony_crm.calls.events import CallStatus


def follow_call(call) -> None:
	"""Add the call to its talker's record while it is in progress, and take it off everyone else's.

	Cheap on every event: one read of the records of the call's people; the agent's lock only when
	one of them changes."""
	talker = on_the_line(call)
	people = {row.user for row in call.get("participants") or () if row.user}
	if talker:
		people.add(talker)
	listing = _people_listing(call.name, people)
	for user in sorted(people):  # one order of locks for every worker
		if (user == talker) != (user in listing):
			change_agent(user, _on(call.name) if user == talker else _off(call.name), CALL, call=call.name)


def release_deleted_call(call, method=None) -> None:
	"""Telephony Call Log on_trash: a deleted call (one left In Progress by a PBX that never ended it,
	say) keeps nobody Busy."""
	listing = frappe.get_all(STATUS_DOCTYPE, {"active_calls": ("like", f"%{call.name}%")}, pluck="name")
	for user in sorted(listing):
		change_agent(user, _off(call.name), CALL)


def release_stale_calls() -> None:
	"""Scheduler: free the agents of calls the PBX has been silent about for too long."""
	hours = cint(frappe.db.get_single_value("Telephony Settings", "stale_call_hours"))
	if hours <= 0:
		return
	cutoff = now_datetime() - timedelta(hours=hours)
	listed = frappe.get_all(STATUS_DOCTYPE, {"active_calls": ("is", "set")}, ["name", "active_calls"])
	for record in sorted(listed, key=lambda record: record.name):
		for call in record.active_calls.split():
			if _silent_since(call, cutoff):
				change_agent(record.name, _off(call), CALL_WITHOUT_END, call=call)
				_tell_the_call(call, record.name, hours)
		frappe.db.commit()  # each agent's lock held only for their own calls


def _silent_since(call: str, cutoff) -> bool:
	"""Whether the call is still in progress and its last event came before `cutoff`."""
	last_event = frappe.db.sql(
		"""select max(e.creation) from `tabTelephony Call Event` e
		join `tabTelephony Call Log` c on c.name = e.parent
		where e.parent = %s and e.parenttype = 'Telephony Call Log' and c.status = %s""",
		(call, CallStatus.IN_PROGRESS.value),
	)[0][0]
	return bool(last_event) and last_event < cutoff


def _tell_the_call(call: str, user: str, hours: int) -> None:
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Info",
			"reference_doctype": "Telephony Call Log",
			"reference_name": call,
			"content": _(
				"{0} no longer counts as on this call: the PBX has sent nothing about it for {1} hours"
			).format(frappe.utils.escape_html(get_fullname(user)), hours),
		}
	).insert(ignore_permissions=True)


def on_the_line(call) -> str | None:
	"""Who talks on the call: who answered it (a transfer's target once it answers), or its agent when
	the PBX said it was answered without saying by which extension."""
	if call.status != CallStatus.IN_PROGRESS.value:
		return None
	return call.answered_by or call.agent


def _people_listing(call: str, people: set[str]) -> set[str]:
	"""Those of `people` whose record lists `call` (only this call's own events change that, one at a
	time under the call's lock, so this read is not stale for it)."""
	if not people:
		return set()
	records = frappe.db.sql(
		"select name, active_calls from `tabTelephony Agent Status` where name in %s", (list(people),)
	)
	return {user for user, calls in records if call in (calls or "").split()}


def _on(call: str):
	def add(record):
		if call not in record.active_calls:
			record.active_calls = [*record.active_calls, call]

	return add


def _off(call: str):
	def remove(record):
		record.active_calls = [name for name in record.active_calls if name != call]

	return remove
