"""The call engine: one normalized event in, the call's record brought to the state its events describe.

Every provider (webhooks, PBX connectors, click-to-call) feeds calls through `process_event`. It does not
lock or commit: `intake.commit_event` is the entry points' way in, serialized per call.
"""

from dataclasses import dataclass

import frappe
from frappe import _

from telephony_crm.caller_id import lookup
from telephony_crm.caller_id.index import SOURCES as INDEXED_SOURCES
from telephony_crm.caller_id.numbers import normalize_number, region_for_provider
from telephony_crm.calls.events import CallEvent, Direction, EventType
from telephony_crm.calls.state import CallState, StoredEvent, fold
from telephony_crm.realtime import publish_call

CALL_DOCTYPE = "Telephony Call Log"
INDEXED_DOCTYPES = tuple(INDEXED_SOURCES)
# What apply_state sets when the caller is not identified anew.
DERIVED_FIELDS = (
	"direction",
	"status",
	"caller_number",
	"called_number",
	"extension",
	"started_at",
	"answered_at",
	"ended_at",
	"ring_duration",
	"talk_duration",
	"recording_url",
	"agent",
	"answered_by",
)


class MissingDirectionError(frappe.ValidationError):
	"""The first event known for a call must say which way the call goes."""


@dataclass(frozen=True)
class CallResult:
	name: str
	status: str
	changed: bool


def process_event(event: CallEvent) -> CallResult:
	"""Record `event` on its call, creating the call on its first event. Repeated events change nothing."""
	name = frappe.db.get_value(CALL_DOCTYPE, {"provider": event.provider, "call_id": event.call_id})
	if not name:
		return _create_call(event)

	call = frappe.get_doc(CALL_DOCTYPE, name)
	if any(row.event_key == event.key for row in call.events):
		return CallResult(call.name, call.status, changed=False)
	row = call.append("events", _event_row(event))
	if apply_state(call):
		# The caller's matches changed, and they live in a child table too: a full save.
		call.save(ignore_permissions=True)
	else:
		# The usual event: one history row and the derived fields. Events of a call are processed one
		# at a time (intake's lock), so Frappe's reload-and-compare before a save would only cost time,
		# and people's own fields (notes) are not written over.
		row.db_insert()
		frappe.db.set_value(CALL_DOCTYPE, call.name, {field: call.get(field) for field in DERIVED_FIELDS})
		call.notify_update()
		publish_call(call)
	return CallResult(call.name, call.status, changed=True)


def _create_call(event: CallEvent) -> CallResult:
	if not event.direction:
		frappe.throw(
			_("direction is required on the first event of call {0}").format(event.call_id),
			MissingDirectionError,
		)
	call = frappe.new_doc(CALL_DOCTYPE)
	call.provider = event.provider
	call.call_id = event.call_id
	call.append("events", _event_row(event))
	apply_state(call)
	if event.reference:
		add_link(call, *event.reference)
	call.insert(ignore_permissions=True)
	return CallResult(call.name, call.status, changed=True)


def apply_state(call) -> bool:
	"""Set the call's fields from the fold of its events, then find its agent and its caller.

	True when the caller was identified anew (the external number changed)."""
	state = fold([_stored_event(row) for row in call.events])
	call.update(
		{
			"direction": state.direction,
			"status": state.status,
			"caller_number": state.caller_number,
			"called_number": state.called_number,
			"extension": state.answering_extension or state.extension,
			"started_at": state.started_at,
			"answered_at": state.answered_at,
			"ended_at": state.ended_at,
			"ring_duration": state.ring_duration,
			"talk_duration": state.talk_duration,
			"recording_url": state.recording_url,
		}
	)
	_assign_agent(call, state)
	external_number = _external_number(call.provider, state)
	if external_number == call.external_number:
		return False
	call.external_number = external_number
	identify_caller(call)
	return True


def add_link(call, doctype: str, name: str) -> None:
	"""Tie another document to the call (once)."""
	if not any(row.link_doctype == doctype and row.link_name == name for row in call.links):
		call.append("links", {"link_doctype": doctype, "link_name": name})


def _assign_agent(call, state: CallState) -> None:
	"""The call belongs to who answered it, or else to the extension it rang or was placed from."""
	answered_by = agent_for_extension(call.provider, state.answering_extension)
	if answered_by:
		call.answered_by = answered_by
	agent = answered_by or (
		agent_for_extension(call.provider, state.extension)
		if state.extension != state.answering_extension
		else None
	)
	if agent:
		call.agent = agent


def agent_for_extension(provider: str, extension: str | None) -> str | None:
	if not extension:
		return None
	return frappe.db.get_value(
		"SIP Account", {"provider": provider, "extension": extension, "enabled": 1}, "user"
	)


def _external_number(provider: str, state: CallState) -> str | None:
	if state.direction == Direction.INBOUND.value:
		number = state.caller_number
	elif state.direction == Direction.OUTBOUND.value:
		number = state.called_number
	else:
		return None
	return normalize_number(number, region_for_provider(provider)) or number


def identify_caller(call) -> None:
	"""Link the call to the records its external number belongs to, replacing earlier matches."""
	match = lookup.identify(call.external_number)
	call.customer = match.customer if match else None
	call.contact = match.contact if match else None
	call.lead = match.lead if match else None
	call.caller_name = match.title if match else None
	call.set("links", [])
	for other in match.others if match else ():
		call.append(
			"links", {"link_doctype": other.doctype, "link_name": other.name, "link_title": other.title}
		)


def _event_row(event: CallEvent) -> dict:
	return {
		"event_time": event.time,
		"event": event.event.value,
		"raw_status": event.raw_status,
		"extension": event.extension,
		"end_status": event.end_status.value if event.end_status else None,
		"duration": None if event.duration is None else str(event.duration),
		"direction": event.direction.value if event.direction else None,
		"caller_number": event.caller_number,
		"called_number": event.called_number,
		"recording_url": event.recording_url,
		"event_key": event.key,
	}


def _stored_event(row) -> StoredEvent:
	return StoredEvent(
		event=EventType(row.event),
		time=frappe.utils.get_datetime(row.event_time),
		direction=row.direction,
		caller_number=row.caller_number,
		called_number=row.called_number,
		extension=row.extension,
		end_status=row.end_status,
		duration=int(row.duration) if row.duration not in (None, "") else None,
		recording_url=row.recording_url,
	)
