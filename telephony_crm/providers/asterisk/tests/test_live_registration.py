"""Line registration against a real Asterisk: sipp registers lab line 301 (UDP, digest auth) and the SIP
Account turns Registered, then unregisters (Expires: 0) and it turns Unregistered; a phone registered
before the connector starts is read from PJSIPShowContacts. With TELEPHONY_AMI_RECORD=1 the connector's
sessions become the fixtures test_registration replays."""

import shutil
import socket
import subprocess
import tempfile
import unittest
from pathlib import Path

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.lines.registration import REGISTERED, UNREGISTERED
from telephony_crm.providers.asterisk.tests.ami_server import (
	RecordingProxy,
	is_connector_session,
	save_transcript,
)
from telephony_crm.providers.asterisk.tests.live import RECORD, SKIP_REASON, live_ami
from telephony_crm.providers.asterisk.tests.site import (
	ConnectorThread,
	ServerThread,
	connector_state,
	make_asterisk_provider,
	remove_provider,
	wait_until,
)

LIVE = live_ami()
SIPP = shutil.which("sipp")
REGISTER_SCENARIO = Path(__file__).parent / "asterisk" / "sipp" / "register.xml"
LAB_SIP_PORT = 5060
LINE = "301"


@unittest.skipUnless(LIVE, SKIP_REASON)
@unittest.skipUnless(SIPP, "sipp (Debian package sip-tester) registers the lab line")
class TestLiveRegistration(FrappeTestCase):
	def setUp(self):
		self.proxy = ServerThread(RecordingProxy(LIVE.host, LIVE.port)).__enter__()
		self.addCleanup(self.proxy.__exit__)
		self.provider, _agents = make_asterisk_provider(
			self.proxy.port, LIVE.secret, username=LIVE.username, extensions=(LINE,)
		)
		self.addCleanup(remove_provider, self.provider.name)
		self.line = frappe.db.get_value("SIP Account", {"provider": self.provider.name, "extension": LINE})
		# The phone's own port, the same for its REGISTER and its unREGISTER (one contact per line).
		self.phone_port = _free_udp_port()
		self.addCleanup(self.register, 0)

	def register(self, expires: int) -> None:
		subprocess.run(
			[
				SIPP,
				f"{LIVE.host}:{LAB_SIP_PORT}",
				*("-sf", str(REGISTER_SCENARIO), "-m", "1", "-nostdin"),
				*("-i", LIVE.host, "-p", str(self.phone_port), "-s", LINE),
				*("-au", LINE, "-ap", f"lab-{LINE}-secret", "-key", "expires", str(expires)),
				*("-timeout", "10", "-timeout_error"),
				# sipp's error log, kept out of the checkout (by default it is written beside the scenario).
				*("-error_file", str(Path(tempfile.gettempdir()) / f"sipp-register-{LINE}-errors.log")),
			],
			check=True,
			capture_output=True,
			timeout=30,
		)

	def wait_for_line(self, status: str) -> dict:
		return wait_until(
			lambda: (
				(
					line := frappe.db.get_value(
						"SIP Account",
						self.line,
						["registration_status", "registration_since", "registration_detail"],
						as_dict=True,
					)
				)
				and line.registration_status == status
				and line
			),
			what=f"line {LINE} {status}",
		)

	def record(self, name: str) -> None:
		if RECORD:
			sessions = [s for s in self.proxy.server.sessions if is_connector_session(s)]
			save_transcript(name, {"scenario": name, "line": LINE, "sessions": sessions})

	def test_a_phone_registers_then_unregisters(self):
		with ConnectorThread(self.provider.name):
			wait_until(lambda: connector_state(self.provider.name).startswith("connected"), what="the login")
			self.wait_for_line(UNREGISTERED)
			self.register(300)
			registered = self.wait_for_line(REGISTERED)
			self.register(0)
			unregistered = self.wait_for_line(UNREGISTERED)
		self.assertEqual(registered.registration_detail, f"sip:{LINE}@{LIVE.host}:{self.phone_port}")
		self.assertIsNone(unregistered.registration_detail)
		self.assertGreaterEqual(unregistered.registration_since, registered.registration_since)
		self.record("registration_register_unregister")

	def test_a_phone_registered_before_the_connector_starts(self):
		self.register(300)
		with ConnectorThread(self.provider.name):
			line = self.wait_for_line(REGISTERED)
		self.assertEqual(
			line.registration_detail, f"sip:{LINE}@{LIVE.host}:{self.phone_port} (Telephony lab sipp)"
		)
		self.record("registration_contacts_at_connect")


def _free_udp_port() -> int:
	with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
		probe.bind(("127.0.0.1", 0))
		return probe.getsockname()[1]
