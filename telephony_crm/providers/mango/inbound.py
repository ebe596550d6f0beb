"""The services Mango posts to under the provider's URL, each read into the call events it means.

Services the app does not follow (events/dtmf, events/sms, results of other commands) are accepted
and change nothing, so that Mango does not retry them.
"""

import frappe

from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.calls.events import CallEvent
from telephony_crm.calls.times import site_now
from telephony_crm.calls.validation import LONGEST_CALL_SECONDS
from telephony_crm.providers.fields import Fields
from telephony_crm.providers.mango import call_ids, mapping
from telephony_crm.providers.mango.api import SUCCESS, describe_code
from telephony_crm.providers.mango.mapping import Leg, Party, Summary

RECORDING_STATES = ("Started", "Continued", "Completed")
RECORDING_SAVED = 1000


def events_of(provider: str, service: str, fields: Fields) -> list[CallEvent]:
	handler = SERVICES.get(service)
	return handler(provider, fields) if handler else []


def _call_event(provider: str, fields: Fields) -> list[CallEvent]:
	leg = read_leg(fields)
	call_id = call_ids.call_id_for(provider, leg.entry_id, leg.command_id)
	call_ids.remember_leg(provider, call_id, leg.call_id, leg.seq, ended=leg.state == "Disconnected")
	event = mapping.leg_event(provider, call_id, leg)
	return [event] if event else []


def _summary(provider: str, fields: Fields) -> list[CallEvent]:
	summary = read_summary(fields)
	return mapping.summary_events(provider, call_ids.call_id_for(provider, summary.entry_id), summary)


def _recording(provider: str, fields: Fields) -> list[CallEvent]:
	recording_id = fields.text("recording_id", required=True)
	state = fields.choice("recording_state", RECORDING_STATES)
	entry_id = fields.text("entry_id", required=True)
	fields.text("call_id")
	moment = mapping.at(fields.time("timestamp"), fields.integer("seq", maximum=mapping.MAX_SEQ) or 0)
	code = fields.integer("completion_code")
	if state != "Completed" or code not in (None, RECORDING_SAVED):
		return []  # still recording, or not saved (4002: too short; 22xx: billing)
	call_id = call_ids.call_id_for(provider, entry_id, fields.command_id())
	return [mapping.recording_event(provider, call_id, recording_id, moment)]


def _callback_result(provider: str, fields: Fields) -> list[CallEvent]:
	"""A callback Mango could not place ends the call the app recorded for it as Failed."""
	command_id, code = _log_result(provider, "callback", fields)
	if code == SUCCESS or not frappe.db.exists(CALL_DOCTYPE, {"provider": provider, "call_id": command_id}):
		return []
	return [mapping.failed_callback_event(provider, command_id, site_now(), code)]


def _hangup_result(provider: str, fields: Fields) -> list[CallEvent]:
	_log_result(provider, "call/hangup", fields)
	return []


def _log_result(provider: str, command: str, fields: Fields) -> tuple[str, int]:
	command_id = fields.command_id() or ""
	code = fields.integer("result", required=True)
	logger = frappe.logger("telephony_crm.mango")
	if code == SUCCESS:
		logger.info(f"{provider}: {command} {command_id} done")
	else:
		logger.warning(f"{provider}: {command} {command_id} failed, {describe_code(code)}")
	return command_id, code


def read_leg(fields: Fields) -> Leg:
	seq = fields.integer("seq", True, maximum=mapping.MAX_SEQ)
	return Leg(
		entry_id=fields.text("entry_id", required=True),
		call_id=fields.text("call_id", required=True),
		time=mapping.at(fields.time("timestamp"), seq),
		seq=seq,
		state=fields.choice("call_state", mapping.CALL_STATES),
		location=fields.choice("location", mapping.LOCATIONS),
		caller=read_party(fields.object("from")),
		callee=read_party(fields.object("to")),
		disconnect_reason=fields.integer("disconnect_reason"),
		command_id=fields.command_id(),
	)


def read_summary(fields: Fields) -> Summary:
	created = fields.time("create_time")
	fields.time("forward_time", required=False)
	return Summary(
		entry_id=fields.text("entry_id", required=True),
		direction=mapping.SUMMARY_DIRECTIONS[
			fields.choice("call_direction", tuple(mapping.SUMMARY_DIRECTIONS))
		],
		caller=read_party(fields.object("from")),
		callee=read_party(fields.object("to")),
		line_number=fields.number("line_number"),
		created=created,
		ended=max(created, fields.time("end_time")),
		talk_time=fields.integer("talk_time", True, maximum=LONGEST_CALL_SECONDS),
		talked=fields.choice("entry_result", (0, 1)) == 1,
		disconnect_reason=fields.integer("disconnect_reason"),
	)


def read_party(fields: Fields) -> Party:
	fields.text("acd_group")
	return Party(
		extension=fields.number("extension"),
		number=fields.number("number"),
		line_number=fields.number("line_number"),
		taken_from_call_id=fields.text("taken_from_call_id"),
	)


SERVICES = {
	"events/call": _call_event,
	"events/summary": _summary,
	"events/recording": _recording,
	"result/callback": _callback_result,
	"result/call/hangup": _hangup_result,
}
