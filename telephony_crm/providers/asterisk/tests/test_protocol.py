"""The AMI client on the wire: framing, login, actions matched by ActionID, lists, lost connections."""

import asyncio
import unittest

from telephony_crm.providers.asterisk.protocol import (
	AmiActionError,
	AmiClient,
	AmiConnectionError,
	AmiLoginError,
	MalformedFrame,
	format_frame,
	parse_frame,
)
from telephony_crm.providers.asterisk.tests.ami_server import ReplayAmiServer, ReplaySession, load_transcript

BANNER = "Asterisk Call Manager/11.0.0"
LOGIN = [
	{"from": "client", "lines": ["Action: Login", "ActionID: a"]},
	{"from": "pbx", "lines": ["Response: Success", "ActionID: a", "Message: Authentication accepted"]},
]


async def with_server(sessions: list[ReplaySession], test):
	server = ReplayAmiServer(sessions)
	port = await server.start()
	try:
		return await test(port, server)
	finally:
		await server.stop()


def run(sessions, test):
	return asyncio.run(with_server(sessions, test))


class TestFrames(unittest.TestCase):
	def test_headers_are_read_and_the_first_of_repeated_keys_wins(self):
		message = parse_frame(b"Event: VarSet\r\nVariable: A\r\nValue: x: y\r\nVariable: B\r\nDestExten: ")
		self.assertEqual(message, {"Event": "VarSet", "Variable": "A", "Value": "x: y", "DestExten": ""})

	def test_frames_that_are_not_headers_are_malformed(self):
		for raw in (b"garbage", b"Channel: PJSIP/101", b"Event: X\r\nbad line", b"Bad Key: v\r\nEvent: X"):
			with self.subTest(raw), self.assertRaises(MalformedFrame):
				parse_frame(raw)

	def test_a_value_cannot_smuggle_another_action(self):
		with self.assertRaises(ValueError):
			format_frame({"Action": "Originate", "Exten": "123\r\n\r\nAction: Hangup"})


class TestClient(unittest.TestCase):
	def test_a_refused_login_names_the_user_but_not_the_secret(self):
		session = ReplaySession.recorded(load_transcript("connector_login_refused")["sessions"][0])

		async def test(port, server):
			client = await AmiClient.connect("127.0.0.1", port)
			with self.assertRaises(AmiLoginError) as refused:
				await client.login("telephony", "wrong-secret")
			await client.close()
			return str(refused.exception)

		message = run([session], test)
		self.assertIn("'telephony'", message)
		self.assertIn("Authentication failed", message)
		self.assertNotIn("wrong-secret", message)

	def test_answers_find_their_action_among_events(self):
		frames = [
			*LOGIN,
			{"from": "client", "lines": ["Action: Ping", "ActionID: p"]},
			{"from": "pbx", "lines": ["Event: Newchannel", "Uniqueid: 1.1", "Linkedid: 1.1"]},
			{"from": "pbx", "lines": ["Response: Success", "ActionID: p", "Ping: Pong"]},
			{"from": "client", "lines": ["Action: CoreShowChannels", "ActionID: l"]},
			{"from": "pbx", "lines": ["Response: Success", "ActionID: l", "EventList: start"]},
			{
				"from": "pbx",
				"lines": ["Event: CoreShowChannel", "ActionID: l", "Channel: Local/101@phones-1;1"],
			},
			{"from": "pbx", "lines": ["Event: Hangup", "Uniqueid: 1.1", "Linkedid: 1.1"]},
			{
				"from": "pbx",
				"lines": ["Event: CoreShowChannelsComplete", "ActionID: l", "EventList: Complete"],
			},
			{"from": "client", "lines": ["Action: Hangup", "ActionID: h"]},
			{"from": "pbx", "lines": ["Response: Error", "ActionID: h", "Message: No such channel"]},
		]

		async def test(port, server):
			client = await AmiClient.connect("127.0.0.1", port)
			await client.login("telephony", "secret")
			pong = await client.action("Ping")
			channels = await client.list_action("CoreShowChannels")
			with self.assertRaises(AmiActionError):
				await client.action("Hangup", {"Channel": "Local/nobody"})
			events = [await client.next_event(), await client.next_event()]
			await client.close()
			return pong, channels, events

		pong, channels, events = run([ReplaySession(BANNER, frames)], test)
		self.assertEqual(pong["Ping"], "Pong")
		self.assertEqual([c["Channel"] for c in channels], ["Local/101@phones-1;1"])
		self.assertEqual([e["Event"] for e in events], ["Newchannel", "Hangup"])

	def test_a_lost_connection_fails_what_waits_on_it(self):
		frames = [*LOGIN, {"from": "client", "lines": ["Action: Ping", "ActionID: p"]}]

		async def test(port, server):
			client = await AmiClient.connect("127.0.0.1", port)
			await client.login("telephony", "secret")
			ping = asyncio.create_task(client.action("Ping"))
			await asyncio.sleep(0.1)
			await server.stop()
			with self.assertRaises(AmiConnectionError):
				await ping
			with self.assertRaises(AmiConnectionError):
				await client.next_event()
			self.assertFalse(client.connected)

		run([ReplaySession(BANNER, frames, closed=True)], test)

	def test_only_an_asterisk_manager_is_spoken_to(self):
		async def test(port, server):
			with self.assertRaisesRegex(AmiConnectionError, "not an Asterisk Manager Interface"):
				await AmiClient.connect("127.0.0.1", port)

		run([ReplaySession("SSH-2.0-OpenSSH_9.2", [])], test)

	def test_a_pbx_that_is_down_is_a_connection_error(self):
		async def test(port, server):
			await server.stop()
			with self.assertRaises(AmiConnectionError):
				await AmiClient.connect("127.0.0.1", port, timeout=2)

		run([], test)
