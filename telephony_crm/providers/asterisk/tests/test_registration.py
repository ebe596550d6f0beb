"""Line registration from AMI traffic recorded from the lab PBX (test_live_registration): a phone that
registers and unregisters (ContactStatus), one registered before the connector logged in
(PJSIPShowContacts), a PBX that refuses that list, a chan_sip peer (PeerStatus), an endpoint that is no
line, hostile strings from the phone, and a failing write that must not stop the calls behind it."""

import threading
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.calls.times import from_unix_seconds
from telephony_crm.lines.registration import (
	DETAIL_LENGTH,
	REGISTERED,
	UNKNOWN,
	UNREACHABLE,
	UNREGISTERED,
)
from telephony_crm.providers.asterisk.registration import RegistrationTracker
from telephony_crm.providers.asterisk.tests.ami_server import (
	ReplayAmiServer,
	ReplaySession,
	headers,
	load_transcript,
)
from telephony_crm.providers.asterisk.tests.site import (
	ConnectorThread,
	ServerThread,
	make_asterisk_provider,
	remove_provider,
	wait_until,
)
from telephony_crm.providers.asterisk.tests.test_connector import call_frames

LINE = "301"
OTHER_LINE = "302"
HOSTILE_AGENT = '<img src=x onerror="alert(1)">\x07Evil\tPhone ' + "x" * 300
HOSTILE_URI = "sip:301:hunter2@127.0.0.1:5071;transport=udp'><script>alert(2)</script>"


def recorded(name: str) -> ReplaySession:
	return ReplaySession.recorded(load_transcript(name)["sessions"][0])


def rewritten(session: ReplaySession, **values) -> ReplaySession:
	"""The session with the PBX's `Key: value` lines given new values (`Key=None` drops the line)."""

	def frame(f: dict) -> dict:
		lines = []
		for line in f["lines"]:
			key = line.partition(": ")[0]
			if key not in values:
				lines.append(line)
			elif values[key] is not None:
				lines.append(f"{key}: {values[key]}")
		return {**f, "lines": lines}

	return ReplaySession(session.banner, [frame(f) for f in session.frames], closed=session.closed)


def as_chan_sip(frame: dict) -> dict:
	"""A recorded PJSIP PeerStatus frame as chan_sip's: `SIP/301`, Registered with its address, or
	Unregistered."""
	lines = []
	for line in frame["lines"]:
		key, _, value = line.partition(": ")
		if key == "ChannelType":
			lines.append("ChannelType: SIP")
		elif key == "Peer":
			lines.append(f"Peer: SIP/{value.partition('/')[2]}")
		elif key == "PeerStatus" and value == "Reachable":
			lines += ["PeerStatus: Registered", "Address: 127.0.0.1:5071"]
		elif key == "PeerStatus":
			lines.append("PeerStatus: Unregistered")
		else:
			lines.append(line)
	return {**frame, "lines": lines}


def index_of(session: ReplaySession, text: str) -> int:
	return next(i for i, f in enumerate(session.frames) if any(text in line for line in f["lines"]))


class TestRegistrationOnRecordedTraffic(FrappeTestCase):
	def start(self, session: ReplaySession) -> None:
		server = ServerThread(ReplayAmiServer([session])).__enter__()
		self.addCleanup(server.__exit__)
		self.provider, self.agents = make_asterisk_provider(
			server.port, "replay-secret", extensions=(LINE, OTHER_LINE, "101")
		)
		self.addCleanup(remove_provider, self.provider.name)

	def line(self, extension: str = LINE) -> dict:
		return frappe.db.get_value(
			"SIP Account",
			{"provider": self.provider.name, "extension": extension},
			["registration_status", "registration_since", "registration_detail"],
			as_dict=True,
		)

	def wait_for(self, status: str, extension: str = LINE) -> dict:
		return wait_until(
			lambda: (line := self.line(extension)).registration_status == status and line,
			what=f"line {extension} {status}",
		)

	def test_a_phone_registers_then_unregisters(self):
		session = recorded("registration_register_unregister")
		removed = threading.Event()
		session.hold = {index_of(session, "ContactStatus: Removed"): removed}
		self.start(session)
		with ConnectorThread(self.provider.name):
			registered = self.wait_for(REGISTERED)
			removed.set()
			unregistered = self.wait_for(UNREGISTERED)
		self.assertRegex(registered.registration_detail, rf"^sip:{LINE}@127\.0\.0\.1:\d+$")
		stamp = headers(session.frames[index_of(session, "ContactStatus: NonQualified")]["lines"])[
			"Timestamp"
		]
		self.assertEqual(registered.registration_since, from_unix_seconds(float(stamp)))
		self.assertIsNone(unregistered.registration_detail)
		# No contact at login: every line of the provider was Unregistered, not left Unknown.
		self.assertEqual(self.line(OTHER_LINE).registration_status, UNREGISTERED)

	def test_the_contacts_at_login_set_every_line(self):
		self.start(recorded("registration_contacts_at_connect"))
		with ConnectorThread(self.provider.name):
			line = self.wait_for(REGISTERED)
			other = self.wait_for(UNREGISTERED, OTHER_LINE)
		self.assertRegex(line.registration_detail, rf"^sip:{LINE}@127\.0\.0\.1:\d+ \(Telephony lab sipp\)$")
		self.assertIsNone(other.registration_detail)

	def test_a_pbx_that_refuses_the_list_leaves_the_lines_to_its_events(self):
		# A manager user without `system` in `write`: the lines keep their state until their events.
		session = recorded("registration_contacts_at_connect")
		listed = index_of(session, "Action: PJSIPShowContacts")
		action_id = headers(session.frames[listed]["lines"])["ActionID"]
		refusal = {
			"from": "pbx",
			"lines": ["Response: Error", f"ActionID: {action_id}", "Message: Permission denied"],
		}
		session.frames[listed + 1 :] = [refusal] + [
			f for f in session.frames[listed + 1 :] if "ActionID: " + action_id not in f["lines"]
		]
		events = recorded("registration_register_unregister")
		session.frames.append(events.frames[index_of(events, "ContactStatus: NonQualified")])
		self.start(session)
		with self.assertLogs("telephony_crm.asterisk", "INFO") as logs, ConnectorThread(self.provider.name):
			self.wait_for(REGISTERED)
		self.assertEqual(self.line(OTHER_LINE).registration_status, UNKNOWN)
		self.assertTrue(any("Permission denied" in line for line in logs.output), logs.output)

	def test_a_chan_sip_peer(self):
		# The lab PBX has chan_pjsip only: its recorded PeerStatus frames, worded as chan_sip words them.
		session = recorded("registration_register_unregister")
		first = index_of(session, "Event: PeerStatus")
		peers = [as_chan_sip(f) for f in session.frames[first:] if "Event: PeerStatus" in f["lines"]]
		unregistered = threading.Event()
		session.frames = session.frames[:first] + peers
		session.hold = {len(session.frames) - 1: unregistered}
		self.start(session)
		with ConnectorThread(self.provider.name):
			registered = self.wait_for(REGISTERED)
			unregistered.set()
			gone = self.wait_for(UNREGISTERED)
		self.assertEqual(registered.registration_detail, "127.0.0.1:5071")
		self.assertIsNone(gone.registration_detail)

	def test_an_endpoint_that_is_no_line_is_ignored(self):
		session = recorded("registration_register_unregister")
		registered = session.frames[index_of(session, "ContactStatus: NonQualified")]
		session = rewritten(session, AOR="trunk", EndpointName="trunk")
		session.frames.append(registered)  # then line 301's own: the trunk's were read before it
		self.start(session)
		with self.assertNoLogs("telephony_crm.asterisk", "ERROR"), ConnectorThread(self.provider.name):
			self.wait_for(REGISTERED)
		lines = frappe.get_all("SIP Account", {"provider": self.provider.name}, pluck="extension")
		self.assertEqual(sorted(lines), ["101", LINE, OTHER_LINE])

	def test_hostile_strings_from_the_phone_are_cleaned(self):
		session = rewritten(
			recorded("registration_contacts_at_connect"), UserAgent=HOSTILE_AGENT, Uri=HOSTILE_URI
		)
		self.start(session)
		with ConnectorThread(self.provider.name):
			detail = self.wait_for(REGISTERED).registration_detail
		self.assertTrue(detail.startswith("sip:301@127.0.0.1:5071;transport=udp"), detail)
		self.assertLessEqual(len(detail), DETAIL_LENGTH)
		for forbidden in ("<", ">", '"', "'", "\x07", "\t", "hunter2"):
			self.assertNotIn(forbidden, detail)

	def test_a_failing_write_stops_no_call(self):
		call_id = load_transcript("inbound_answered")["call_id"]
		session = recorded("registration_register_unregister")
		session.frames += call_frames("inbound_answered")
		self.start(session)
		with (
			patch(
				"telephony_crm.providers.asterisk.connector.set_line_state",
				side_effect=frappe.db.InternalError("the database is away"),
			),
			self.assertLogs("telephony_crm.asterisk", "ERROR") as logs,
			ConnectorThread(self.provider.name),
		):
			call = wait_until(
				lambda: frappe.db.get_value(
					"Telephony Call Log",
					{"provider": self.provider.name, "call_id": call_id, "ended_at": ("is", "set")},
					"status",
				),
				what="the call to end",
			)
		self.assertEqual(call, "Completed")
		self.assertTrue(any("ContactStatus event not recorded" in line for line in logs.output), logs.output)


class TestRegistrationTracker(FrappeTestCase):
	"""The contacts of a line, as the PBX reports them one event at a time."""

	def setUp(self):
		self.tracker = RegistrationTracker(from_unix_seconds)

	def contact(self, uri: str, status: str, aor: str = LINE):
		message = {
			"Event": "ContactStatus",
			"AOR": aor,
			"EndpointName": aor,
			"URI": uri,
			"ContactStatus": status,
		}
		return self.tracker.feed(message, 1_800_000_000)

	def test_a_line_with_two_contacts_is_registered_while_one_answers(self):
		self.contact("sip:301@10.0.0.1", "Reachable")
		self.contact("sip:301@10.0.0.2", "Created")
		self.assertEqual(self.contact("sip:301@10.0.0.1", "Unreachable")[1].status, REGISTERED)
		endpoint, state = self.contact("sip:301@10.0.0.2", "Removed")
		self.assertEqual((endpoint, state.status, state.detail), (LINE, UNREACHABLE, "sip:301@10.0.0.1"))
		self.assertEqual(self.contact("sip:301@10.0.0.1", "Removed")[1].status, UNREGISTERED)

	def test_pjsip_peer_status_is_left_to_contact_status(self):
		message = {
			"Event": "PeerStatus",
			"ChannelType": "PJSIP",
			"Peer": "PJSIP/301",
			"PeerStatus": "Unreachable",
		}
		self.assertIsNone(self.tracker.feed(message, 1_800_000_000))

	def test_a_timestamp_no_clock_shows_gives_the_time_received(self):
		message = {"Event": "PeerStatus", "Peer": "SIP/301", "PeerStatus": "Lagged", "Timestamp": "inf"}
		endpoint, state = self.tracker.feed(message, 1_800_000_000)
		self.assertEqual((endpoint, state.status), (LINE, REGISTERED))
		self.assertEqual(state.since, from_unix_seconds(1_800_000_000))

	def test_an_unknown_peer_status_says_nothing(self):
		message = {"Event": "PeerStatus", "Peer": "SIP/301", "PeerStatus": "Exploded"}
		self.assertIsNone(self.tracker.feed(message, 1_800_000_000))
