"""The call engine: one normalized event in, the call's record brought to the state its events describe.

Every provider (webhooks, PBX connectors, click-to-call) feeds calls through `process_event`. It does not
lock or commit: `intake.commit_event` is the entry points' way in, serialized per call. Only the engine
writes a call's facts (`PBX_FACTS`, its events and participants): the call's controller refuses
changes to them from anywhere else.
"""

from contextlib import contextmanager
from dataclasses import dataclass

import frappe

from telephony_crm.caller_id import lookup
from telephony_crm.caller_id.numbers import normalize_number, region_for_provider
from telephony_crm.calls import store
from telephony_crm.calls.events import CallEvent, Direction, EventType
from telephony_crm.calls.followups import after_call_change
from telephony_crm.calls.state import CallState, StoredEvent, fold
from telephony_crm.calls.times import site_now
from telephony_crm.calls.validation import check_duration, check_time, clean_text
from telephony_crm.masking.copies import set_masked_copies
from telephony_crm.recordings.state import AT_PROVIDER
from telephony_crm.request_flags import has_request_flag, request_flag
from telephony_crm.softphone.pending_links import placed_from

CALL_DOCTYPE = store.CALL_DOCTYPE
# What apply_state sets when the caller is not identified anew.
DERIVED_FIELDS = (
	"direction",
	"status",
	"caller_number",
	"called_number",
	"caller_number_display",
	"called_number_display",
	"extension",
	"started_at",
	"answered_at",
	"ended_at",
	"ring_duration",
	"talk_duration",
	"recording_url",
	"recording_id",
	"recording_status",
	"recording_at_provider",
	"agent",
	"answered_by",
)
# The call's facts: what the PBX reported and the caller identified from it.
PBX_FACTS = (
	*DERIVED_FIELDS,
	"provider",
	"call_id",
	"external_number",
	"external_number_display",
	"customer",
	"contact",
	"lead",
	"caller_name",
)
ENGINE_TABLES = ("events", "participants")

# Where a row of the call's links comes from; only the caller's matches are replaced by the engine.
CALLER_ID_LINK = "Caller ID"
PLACED_FROM_LINK = "Placed From"
ADDED_LINK = "Added"
_PARTIES = (("Customer", "customer"), ("Contact", "contact"), ("Lead", "lead"))


@dataclass(frozen=True)
class CallResult:
	name: str
	status: str
	changed: bool


_ENGINE_WRITES = "telephony_engine_writes"


def engine_writes():
	"""Marks the writes inside as the engine's (request-local: nothing a request sends can set it)."""
	return request_flag(_ENGINE_WRITES)


def is_engine_writing() -> bool:
	return has_request_flag(_ENGINE_WRITES)


def process_event(event: CallEvent) -> CallResult:
	"""Record `event` on its call, creating the call on its first event. Repeated events change nothing."""
	check_time(event.time, site_now(), "time")
	check_duration(event.duration)
	with engine_writes():
		call = store.load_call(event.provider, event.call_id)
		if not call:
			return _create_call(event)
		if any(row.event_key == event.key for row in call.events):
			return CallResult(call.name, call.status, changed=False)
		row = call.append("events", _event_row(event))
		known_participants = len(call.participants)
		identified_anew = apply_state(call)
		# A call placed from the desk may have been reported by its provider before the app recorded it.
		linked = bool(event.reference) and add_link(call, *event.reference, origin=PLACED_FROM_LINK)
		if identified_anew or linked:
			# The caller's matches or the links changed, and they live in a child table: a full save.
			save_call(call)
		else:
			store.update_call_fields(call, DERIVED_FIELDS, [row, *call.participants[known_participants:]])
	after_call_change(call)
	return CallResult(call.name, call.status, changed=True)


def save_call(call) -> None:
	"""Frappe's full save of an existing call, as the engine: the matches it links were checked, so a
	document deleted since the call's last save (a link people added) cannot stop it."""
	call.flags.ignore_links = True
	call.save(ignore_permissions=True)


def _create_call(event: CallEvent) -> CallResult:
	call = frappe.new_doc(CALL_DOCTYPE)
	call.provider = event.provider
	call.call_id = event.call_id
	call.append("events", _event_row(event))
	apply_state(call)
	# A browser line's call is reported under the PBX's id: the document it was placed from is waiting.
	reference = event.reference or placed_from(call)
	if reference:
		add_link(call, *reference, origin=PLACED_FROM_LINK)
	store.insert_call(call)
	after_call_change(call)
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
			"recording_id": state.recording_id,
		}
	)
	if (state.recording_url or state.recording_id) and not call.recording_status:
		call.recording_status = AT_PROVIDER
		call.recording_at_provider = 1
	lines = _lines(call)
	_assign_agent(call, state, lines)
	_add_ringing_participants(call, lines)
	external_number = _external_number(call.provider, state)
	identified_anew = external_number != call.external_number
	call.external_number = external_number
	set_masked_copies(call)
	if identified_anew:
		identify_caller(call)
	return identified_anew


def add_link(call, doctype: str, name: str, origin: str = ADDED_LINK) -> bool:
	"""Tie another document to the call (once); False when it was tied already."""
	if any(row.link_doctype == doctype and row.link_name == name for row in call.links):
		return False
	call.append("links", {"link_doctype": doctype, "link_name": name, "origin": origin})
	return True


def _assign_agent(call, state: CallState, lines: dict[str, str]) -> None:
	"""The call belongs to who answered it, or else to the extension it rang or was placed from."""
	answered_by = lines.get(state.answering_extension)
	if answered_by:
		call.answered_by = answered_by
	agent = answered_by or (
		lines.get(state.extension) if state.extension != state.answering_extension else None
	)
	if agent:
		call.agent = agent
	for user in (call.agent, call.answered_by):
		_add_participant(call, user, None)


def _lines(call) -> dict[str, str]:
	"""Extension -> user, for the enabled SIP Accounts behind the extensions in the call's events."""
	extensions = list({row.extension for row in call.events if row.extension})
	if not extensions:
		return {}
	rows = frappe.db.sql(
		"""select extension, user from `tabSIP Account`
		where provider = %s and enabled = 1 and extension in %s""",
		(call.provider, extensions),
	)
	return dict(rows)


def _add_ringing_participants(call, lines: dict[str, str]) -> None:
	"""Everyone whose phone rang for the call may read it, and follows it in their popup."""
	for row in call.events:
		if row.event == EventType.RINGING.value and row.extension in lines:
			_add_participant(call, lines[row.extension], row.extension)


def _add_participant(call, user: str | None, extension: str | None) -> None:
	if user and not any(row.user == user for row in call.participants):
		call.append("participants", {"user": user, "extension": extension})


def _external_number(provider: str, state: CallState) -> str | None:
	"""The other party's number, normalized; None when it is no phone (`anonymous`, a SIP URI)."""
	if state.direction == Direction.INBOUND.value:
		number = state.caller_number
	elif state.direction == Direction.OUTBOUND.value:
		number = state.called_number
	else:
		return None
	return normalize_number(number, region_for_provider(provider))


def identify_caller(call) -> None:
	"""Link the call to the records its external number belongs to, replacing only earlier matches:
	documents people tied to the call, or placed it from, stay."""
	match = lookup.identify(call.external_number)
	for doctype, field in _PARTIES:
		name = getattr(match, field, None) if match else None
		# The index can trail a deletion or a merge by a moment; a call is never refused for it.
		call.set(field, name if name and frappe.db.exists(doctype, name) else None)
	call.caller_name = clean_text(match.title) if match else None
	call.set("links", [row for row in call.links if row.origin != CALLER_ID_LINK])
	for other in match.others if match else ():
		if frappe.db.exists(other.doctype, other.name) and add_link(
			call, other.doctype, other.name, origin=CALLER_ID_LINK
		):
			call.links[-1].link_title = clean_text(other.title)


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
		"recording_id": event.recording_id,
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
		recording_id=row.recording_id,
	)
