"""A line's registration: what its provider says of the phone behind it (Registered, Unregistered,
Unreachable; Unknown where the provider cannot tell), since when, and the contact it registered from.

Written here only, from the provider's reports, cleaned (they come from outside), and told live to the
line's user and the supervisors. Nobody's save changes them (`guard_registration_fields`)."""

from dataclasses import dataclass
from datetime import datetime

import frappe
from frappe import _
from frappe.utils.data import cast

from telephony_crm.availability.board import supervisors
from telephony_crm.calls.times import site_now
from telephony_crm.calls.validation import clean_text

REGISTERED = "Registered"
UNREGISTERED = "Unregistered"
UNREACHABLE = "Unreachable"
UNKNOWN = "Unknown"
STATUSES = (REGISTERED, UNREGISTERED, UNREACHABLE, UNKNOWN)
LINE_STATUS_EVENT = "telephony_line_status"
STATUS_FIELD = "registration_status"
SINCE_FIELD = "registration_since"
DETAIL_FIELD = "registration_detail"
REGISTRATION_FIELDS = (STATUS_FIELD, SINCE_FIELD, DETAIL_FIELD)
DETAIL_LENGTH = 140
_LINE_FIELDS = ("name", "user", "provider", "extension", "sip_login", *REGISTRATION_FIELDS)


class RegistrationFieldsError(frappe.PermissionError):
	"""Someone tried to write what the provider reports of a line's registration."""


@dataclass(frozen=True)
class LineState:
	status: str
	detail: str | None = None
	# When the provider saw the change; the time it is recorded when the provider does not say.
	since: datetime | None = None


def set_line_state(provider: str, endpoint: str, state: LineState) -> str | None:
	"""The provider's line `endpoint` (its extension, or its login) is in `state` now: the line's name, or
	None when no line of the provider is that endpoint (a trunk, a phone the app does not know)."""
	lines = _provider_lines(provider, endpoint) if endpoint else []
	for line in lines:
		_write(line, state)
	return lines[0].name if lines else None


def set_provider_line_states(provider: str, states: dict[str, LineState], others: LineState) -> None:
	"""What the provider says of all its lines at once: each line named in `states` (by extension or
	login) takes its state, every other line of the provider takes `others`."""
	for line in _provider_lines(provider):
		_write(line, states.get(line.extension) or states.get(line.sip_login) or others)


def clean_detail(detail: str | None) -> str | None:
	return clean_text(detail, DETAIL_LENGTH)


def user_lines(user: str) -> list[dict]:
	"""The user's enabled lines and their registration, as the navbar shows them (no credentials)."""
	lines = frappe.get_all(
		"SIP Account", {"user": user, "enabled": 1}, list(_LINE_FIELDS), order_by="extension"
	)
	return [line_payload(line) for line in lines]


def line_payload(line) -> dict:
	return {
		"line": line.name,
		"user": line.user,
		"provider": line.provider,
		"extension": line.extension,
		"status": line.registration_status or UNKNOWN,
		"since": line.registration_since,
		"detail": line.registration_detail,
	}


def publish_line(line) -> None:
	"""Tell the line's user and the supervisors its registration, once the change is committed."""
	payload = line_payload(line)
	for user in {line.user, *supervisors()}:
		frappe.publish_realtime(LINE_STATUS_EVENT, payload, user=user, after_commit=True)


def guard_registration_fields(line) -> None:
	"""SIP Account validate: the registration is the provider's report; a new line starts Unknown."""
	stored = None if line.is_new() else line.get_doc_before_save() or frappe.get_doc(line.doctype, line.name)
	expected = stored or frappe._dict({STATUS_FIELD: UNKNOWN})
	changed = [
		field for field in REGISTRATION_FIELDS if _value(line, line, field) != _value(line, expected, field)
	]
	if changed:
		frappe.throw(
			_("{0}: reported by the telephony provider, cannot be changed").format(
				", ".join(_(line.meta.get_label(field)) for field in changed)
			),
			RegistrationFieldsError,
			title=_("Not allowed"),
		)


def _value(line, doc, field: str):
	"""`doc`'s value of the line's `field` as stored (a form sends datetimes as strings)."""
	value = doc.get(field)
	if value is None or value == "":
		return None
	return cast(line.meta.get_field(field).fieldtype, value)


def _provider_lines(provider: str, endpoint: str | None = None) -> list:
	or_filters = {"extension": endpoint, "sip_login": endpoint} if endpoint else None
	return frappe.get_all("SIP Account", {"provider": provider}, list(_LINE_FIELDS), or_filters=or_filters)


def _write(line, state: LineState) -> None:
	status = state.status if state.status in STATUSES else UNKNOWN
	detail = clean_detail(state.detail)
	if (status, detail) == (line.registration_status, line.registration_detail or None):
		return  # a re-registration, or a report the line already shows
	values = {DETAIL_FIELD: detail}
	if status != line.registration_status:
		values |= {STATUS_FIELD: status, SINCE_FIELD: state.since or site_now()}
	frappe.db.set_value("SIP Account", line.name, values, update_modified=False)
	line.update(values)
	publish_line(line)
