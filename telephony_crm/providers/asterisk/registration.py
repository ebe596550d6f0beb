"""Whether the PBX has each line's phone: AMI ContactStatus (chan_pjsip) and PeerStatus (chan_sip and the
other peer drivers) events as line states, and the PJSIPShowContacts list a session starts from.

Pure, like the call mapper: no database and no clock of its own. A PJSIP line (an AOR) may have several
contacts (a desk phone and a browser tab): it is Registered while one of them is reachable, Unreachable
while it has contacts and none answers the PBX's qualify, Unregistered once it has none."""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from telephony_crm.lines.registration import REGISTERED, UNREACHABLE, UNREGISTERED, LineState, clean_detail
from telephony_crm.providers.asterisk.protocol import Message

REGISTRATION_EVENTS = ("ContactStatus", "PeerStatus")
CONTACTS_ACTION = "PJSIPShowContacts"
# A PBX with chan_pjsip and no contact answers PJSIPShowContacts with this error, not an empty list.
NO_CONTACTS = "No Contacts found"
# ContactStatus values: Created, Updated, Reachable, NonQualified, Unknown (a contact the PBX has) and
# Unreachable (it does not answer qualify); Removed (gone: expired, or unregistered with Expires: 0).
_REMOVED = "Removed"
_UNREACHABLE = "Unreachable"
# PeerStatus of chan_sip and the like; PJSIP's PeerStatus is left out: ContactStatus says more (which
# contact, and a removed contact rather than an unreachable endpoint).
_PEER_STATES = {
	"Registered": REGISTERED,
	"Reachable": REGISTERED,
	"Lagged": REGISTERED,
	"Unregistered": UNREGISTERED,
	"Unreachable": UNREACHABLE,
	"Rejected": UNREGISTERED,
}
_PJSIP = "PJSIP"
MAX_TIMESTAMP = 253402300799  # 9999-12-31 23:59:59 UTC
# sip:user:password@host: a password has no place in what the desk shows.
_URI_PASSWORD = re.compile(r"^(sips?:[^:@;]+):[^@]*@", re.IGNORECASE)


@dataclass
class _Contact:
	reachable: bool
	user_agent: str | None = None


@dataclass
class RegistrationTracker:
	"""The contacts of every PJSIP line of one PBX; `feed` each event, get the line state it changes."""

	to_time: Callable[[float], datetime]
	_contacts: dict[str, dict[str, _Contact]] = field(default_factory=dict)  # AOR -> URI -> contact

	def start(self, contact_list: list[Message]) -> dict[str, LineState]:
		"""The states of the lines that have contacts, from PJSIPShowContacts' ContactList events."""
		self._contacts = {}
		endpoints = {}
		for item in contact_list:
			aor, uri = _aor_of(item), item.get("Uri")
			if item.get("Event") == "ContactList" and aor and uri:
				reachable = item.get("Status") != _UNREACHABLE
				self._contacts.setdefault(aor, {})[uri] = _Contact(reachable, item.get("UserAgent"))
				endpoints[aor] = item.get("Endpoint") or aor
		return {endpoints[aor]: self._state(aor, None) for aor in self._contacts}

	def feed(self, message: Message, received_at: float) -> tuple[str, LineState] | None:
		"""The line (endpoint name) and its new state that `message` tells, or None."""
		stamp = _timestamp(message)
		moment = self.to_time(received_at if stamp is None else stamp)
		if message.get("Event") == "ContactStatus":
			return self._on_contact_status(message, moment)
		if message.get("Event") == "PeerStatus":
			return _on_peer_status(message, moment)
		return None

	def _on_contact_status(self, message: Message, moment: datetime) -> tuple[str, LineState] | None:
		aor, uri, status = _aor_of(message), message.get("URI"), message.get("ContactStatus")
		if not (aor and uri and status):
			return None
		contacts = self._contacts.setdefault(aor, {})
		if status == _REMOVED:
			contacts.pop(uri, None)
		else:
			known = contacts.get(uri)
			user_agent = message.get("UserAgent") or (known.user_agent if known else None)
			contacts[uri] = _Contact(status != _UNREACHABLE, user_agent)
		return message.get("EndpointName") or aor, self._state(aor, moment)

	def _state(self, aor: str, moment: datetime | None) -> LineState:
		contacts = self._contacts.get(aor) or {}
		if not contacts:
			return LineState(UNREGISTERED, None, moment)
		reachable = {uri: c for uri, c in contacts.items() if c.reachable}
		shown = reachable or contacts
		detail = "; ".join(_describe(uri, contact.user_agent) for uri, contact in sorted(shown.items()))
		return LineState(REGISTERED if reachable else UNREACHABLE, clean_detail(detail), moment)


def _on_peer_status(message: Message, moment: datetime) -> tuple[str, LineState] | None:
	driver, _, peer = (message.get("Peer") or "").partition("/")
	status = _PEER_STATES.get(message.get("PeerStatus"))
	if not (peer and status) or (message.get("ChannelType") or driver).upper() == _PJSIP:
		return None
	detail = message.get("Address") if status != UNREGISTERED else None
	return peer, LineState(status, clean_detail(detail), moment)


def _aor_of(message: Message) -> str | None:
	"""ContactStatus names the AOR; a ContactList item only its object name, `<aor>;@<hash>`."""
	return message.get("AOR") or (message.get("ObjectName") or "").partition(";@")[0] or None


def _describe(uri: str, user_agent: str | None) -> str:
	uri = _URI_PASSWORD.sub(r"\1@", uri)
	return f"{uri} ({user_agent})" if user_agent else uri


def _timestamp(message: Message) -> float | None:
	"""The PBX's time of the event (timestampevents = yes); None when it gives none a clock can show."""
	try:
		stamp = float(message.get("Timestamp") or "")
	except ValueError:
		return None
	return stamp if math.isfinite(stamp) and 0 < stamp < MAX_TIMESTAMP else None
