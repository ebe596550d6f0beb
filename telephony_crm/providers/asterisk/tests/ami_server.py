"""AMI traffic in tests: a proxy that records what a real Asterisk says, and a server that says it again.

A transcript is a list of sessions (one per TCP connection); a session is the banner and the frames in the
order the proxy saw them, each `{"from": "client" | "pbx", "lines": [...]}`. Secrets are never recorded.
"""

import asyncio
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from telephony_crm.providers.asterisk.protocol import FRAME_END, format_frame
from telephony_crm.providers.asterisk.registration import CONTACTS_ACTION, NO_CONTACTS

FIXTURES = Path(__file__).parent / "fixtures"
REDACTED = "********"
# Dialplan steps and variables say nothing about calls (except the recording's name); leaving them out
# keeps the fixtures readable.
_NOISE = {"Newexten", "DeviceStateChange", "DTMFBegin", "DTMFEnd", "NewCallerid", "NewConnectedLine"}


def load_transcript(name: str) -> dict:
	return json.loads((FIXTURES / f"{name}.json").read_text())


def save_transcript(name: str, transcript: dict) -> None:
	FIXTURES.mkdir(exist_ok=True)
	(FIXTURES / f"{name}.json").write_text(json.dumps(transcript, indent=1) + "\n")


def _lines(raw: bytes) -> list[str]:
	# Some answers end a value with a bare LF of their own (`Message: No Contacts found\n`).
	return [line.rstrip("\n") for line in raw.decode("utf-8", errors="replace").split("\r\n")]


def headers(lines: list[str]) -> dict:
	"""A frame's headers, actions included (which `parse_frame`, reading the PBX's side, refuses)."""
	message = {}
	for line in lines:
		key, _, value = line.partition(": ")
		message.setdefault(key, value)
	return message


def frame_headers(raw: bytes) -> dict:
	"""The headers of one raw frame, FRAME_END included."""
	return headers(_lines(raw[: -len(FRAME_END)]))


def is_connector_session(session: dict) -> bool:
	"""A connector's session (following events), not the provider's short command sessions."""
	login = headers(session["frames"][0]["lines"]) if session["frames"] else {}
	return login.get("Events") not in (None, "off")


def _is_noise(message: dict) -> bool:
	event = message.get("Event")
	return event in _NOISE or (event == "VarSet" and message.get("Variable") != "MIXMONITOR_FILENAME")


class RecordingProxy:
	"""Stands between a client and a real AMI, keeping every session's frames; `drop` cuts the line."""

	def __init__(self, host: str, port: int):
		self.target = (host, port)
		self.sessions: list[dict] = []
		self._server = None
		self._writers = []
		self._stopping = False

	async def start(self) -> int:
		self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
		return self._server.sockets[0].getsockname()[1]

	async def stop(self) -> None:
		self._stopping = True
		self._server.close()
		self.drop()
		await self._server.wait_closed()

	def drop(self) -> None:
		"""Close every connection, as a network failure would."""
		for writer in self._writers:
			writer.close()
		self._writers.clear()

	async def _serve(self, client_reader, client_writer):
		try:
			pbx_reader, pbx_writer = await asyncio.open_connection(*self.target)
			banner = await pbx_reader.readuntil(b"\r\n")
		except (OSError, asyncio.IncompleteReadError):
			client_writer.close()  # the PBX is down: so is the connection
			return
		session = {"banner": banner.decode().strip(), "frames": []}
		self.sessions.append(session)
		self._writers += [client_writer, pbx_writer]
		client_writer.write(banner)
		await asyncio.gather(
			self._pipe(client_reader, pbx_writer, session, "client"),
			self._pipe(pbx_reader, client_writer, session, "pbx"),
		)
		session["closed"] = not self._stopping

	async def _pipe(self, reader, writer, session, side):
		try:
			while True:
				raw = await reader.readuntil(FRAME_END)
				writer.write(raw)
				lines = _lines(raw[: -len(FRAME_END)])
				if side == "client":
					lines = [f"Secret: {REDACTED}" if line.startswith("Secret:") else line for line in lines]
				elif _is_noise(headers(lines)):
					continue
				session["frames"].append({"from": side, "lines": lines})
		except (asyncio.IncompleteReadError, OSError):
			pass
		finally:
			writer.close()


@dataclass
class ReplaySession:
	"""What the server does on one connection: the recorded frames, and how to spoil them."""

	banner: str
	frames: list[dict]
	secret: str | None = None  # the secret to accept; the recorded answer is given when it matches
	drop_after: int | None = None  # close the connection after this many PBX frames
	inject: dict[int, bytes] = field(default_factory=dict)  # raw bytes to send before PBX frame n
	closed: bool = False  # the recorded connection ended (the PBX went away); else it stays open
	live_channels: list[dict] = field(default_factory=list)  # for a CoreShowChannels the recording lacks
	answer_pings: bool = True  # False: a connection gone silent, as behind a dead NAT or firewall
	hold: dict[int, threading.Event] = field(default_factory=dict)  # frames[n] waits until the event is set

	@classmethod
	def recorded(cls, session: dict, **changes) -> "ReplaySession":
		return cls(session["banner"], session["frames"], closed=session.get("closed", False), **changes)


class ReplayAmiServer:
	"""Plays recorded sessions to whoever connects, in order: the n-th connection gets the n-th session.

	PBX frames go out in the recorded order; where the client spoke in the recording the server waits for
	the same action and answers with the client's ActionID. Actions the recording does not have (a
	connector's CoreShowChannels, PJSIPShowContacts or Ping) get a plain answer (no live channel, no
	registered contact, Pong). Once every session is used, connections are refused, as by a PBX that is
	down, until more are added.
	"""

	def __init__(self, sessions: list[ReplaySession]):
		self.sessions = list(sessions)
		self.connections = 0
		self.attempts = 0  # refused connections too: a client that tried again is done with its session
		self.received: list[dict] = []
		self._server = None
		self._writers = []

	async def start(self) -> int:
		self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
		return self._server.sockets[0].getsockname()[1]

	async def stop(self) -> None:
		self._server.close()
		for writer in self._writers:
			writer.close()
		await self._server.wait_closed()

	async def _serve(self, reader, writer):
		self.attempts += 1
		if self.connections >= len(self.sessions):
			writer.close()
			return
		session = self.sessions[self.connections]
		self.connections += 1
		self._writers.append(writer)
		player = _Player(session, reader, writer, self.received)
		try:
			await player.play()
		except (asyncio.IncompleteReadError, ConnectionError):
			pass
		finally:
			player.listener.cancel()
			if session.closed:
				writer.close()


class _Player:
	def __init__(self, session: ReplaySession, reader, writer, received: list):
		self.session = session
		self.writer = writer
		self.received = received
		self.expected = [headers(f["lines"]) for f in session.frames if f["from"] == "client"]
		self.actions: asyncio.Queue = asyncio.Queue()
		self.listener = asyncio.create_task(self._listen(reader))

	async def play(self):
		self.writer.write(f"{self.session.banner}\r\n".encode())
		action_ids: dict[str, str] = {}
		sent = 0
		for index, frame in enumerate(self.session.frames):
			if index in self.session.hold:
				await asyncio.to_thread(self.session.hold[index].wait)
			recorded = headers(frame["lines"])
			if frame["from"] == "client":
				received = await self.actions.get()
				action_ids[recorded.get("ActionID")] = received.get("ActionID")
				if recorded["Action"] == "Login" and self.session.secret not in (
					None,
					received.get("Secret"),
				):
					await self._send(_login_refused(received.get("ActionID")))
					self.writer.close()
					return
				continue
			if self.session.drop_after is not None and sent >= self.session.drop_after:
				self.writer.close()
				return
			if sent in self.session.inject:
				self.writer.write(self.session.inject[sent])
			if "ActionID" in recorded:
				recorded["ActionID"] = action_ids.get(recorded["ActionID"], recorded["ActionID"])
			await self._send(recorded)
			sent += 1
		if not self.session.closed:
			await self.listener

	async def _listen(self, reader):
		"""Hand the recorded actions to the player in turn; answer any other action at once."""
		while True:
			message = frame_headers(await reader.readuntil(FRAME_END))
			self.received.append(message)
			if self.expected and message.get("Action", "").lower() == self.expected[0]["Action"].lower():
				self.expected.pop(0)
				self.actions.put_nowait(message)
			else:
				for answer in self._plain_answer(message):
					await self._send(answer)

	def _plain_answer(self, action: dict) -> list[dict]:
		action_id = action.get("ActionID", "")
		if action.get("Action", "").lower() == "ping" and not self.session.answer_pings:
			return []
		if action.get("Action", "").lower() == CONTACTS_ACTION.lower():
			return [{"Response": "Error", "ActionID": action_id, "Message": NO_CONTACTS}]
		if action.get("Action", "").lower() != "coreshowchannels":
			return [{"Response": "Success", "ActionID": action_id, "Ping": "Pong"}]
		channels = [
			{"Event": "CoreShowChannel", "ActionID": action_id, **c} for c in self.session.live_channels
		]
		complete = {"Event": "CoreShowChannelsComplete", "ActionID": action_id, "EventList": "Complete"}
		start = {"Response": "Success", "ActionID": action_id, "EventList": "start"}
		return [start, *channels, {**complete, "ListItems": str(len(channels))}]

	async def _send(self, message: dict):
		self.writer.write(format_frame(message))
		await self.writer.drain()


def _login_refused(action_id: str | None) -> dict:
	return {"Response": "Error", "ActionID": action_id or "", "Message": "Authentication failed"}
