"""The Asterisk Manager Interface on the wire: framing, login, actions matched by ActionID, the event stream.

A frame is `Key: Value` lines, each ending in CRLF, closed by an empty line. The server opens with a
single banner line (`Asterisk Call Manager/<version>`).
"""

import asyncio
import itertools
import logging

logger = logging.getLogger("telephony_crm.asterisk")

BANNER_PREFIX = "Asterisk Call Manager/"
FRAME_END = b"\r\n\r\n"
MAX_FRAME_BYTES = 1 << 20
# The event classes the connector needs: channels and dials, queues, `dialplan` for the VarSet that names
# the MixMonitor file, and `system` for the lines' registrations (ContactStatus, PeerStatus).
EVENT_CLASSES = "call,agent,dialplan,system"

Message = dict[str, str]


class AmiError(Exception):
	"""Anything that went wrong talking to an Asterisk Manager Interface."""


class AmiConnectionError(AmiError):
	"""The PBX could not be reached, or the connection was lost."""


class AmiLoginError(AmiError):
	"""The PBX refused the user name or secret."""


class AmiActionError(AmiError):
	"""The PBX answered an action with `Response: Error`."""


class MalformedFrame(ValueError):
	"""A frame that is not `Key: Value` lines with an Event or a Response."""


def parse_frame(raw: bytes) -> Message:
	"""The headers of one frame (without its closing empty line); the first of repeated keys wins."""
	message = {}
	for line in raw.decode("utf-8", errors="replace").splitlines():
		key, colon, value = line.partition(":")
		if not colon or not key or key != key.strip() or " " in key:
			raise MalformedFrame(f"not a 'Key: Value' line: {line[:80]!r}")
		message.setdefault(key, value.removeprefix(" "))
	if "Event" not in message and "Response" not in message:
		raise MalformedFrame("neither Event nor Response")
	return message


def format_frame(fields: dict[str, str]) -> bytes:
	lines = []
	for key, value in fields.items():
		value = str(value)
		if "\r" in value or "\n" in value:
			raise ValueError(f"{key} must be a single line")
		lines.append(f"{key}: {value}\r\n")
	return ("".join(lines) + "\r\n").encode()


class AmiClient:
	"""One logged-in AMI session. Use `connect`, then `login`; events arrive through `next_event`."""

	def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, label: str):
		self.label = label
		self._reader = reader
		self._writer = writer
		self._action_ids = (f"tcrm-{n}" for n in itertools.count(1))
		self._responses: dict[str, asyncio.Future] = {}
		# list actions: the events collected so far, and the future their `EventList: Complete` resolves
		self._lists: dict[str, tuple[list[Message], asyncio.Future]] = {}
		self._events: asyncio.Queue = asyncio.Queue()
		self._closed: AmiConnectionError | None = None
		self.logged_in = False
		self._read_task: asyncio.Task | None = None

	@classmethod
	async def connect(
		cls, host: str, port: int, timeout: float = 10, label: str | None = None
	) -> "AmiClient":
		label = label or f"{host}:{port}"
		try:
			reader, writer = await asyncio.wait_for(
				asyncio.open_connection(host, port, limit=MAX_FRAME_BYTES), timeout
			)
		except (OSError, asyncio.TimeoutError) as error:
			raise AmiConnectionError(f"cannot connect to {label}: {error or 'timed out'}")
		client = cls(reader, writer, label)
		try:
			banner = await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout)
		except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
			await client.close()
			raise AmiConnectionError(f"{label} sent no AMI banner")
		if not banner.decode(errors="replace").startswith(BANNER_PREFIX):
			await client.close()
			raise AmiConnectionError(f"{label} is not an Asterisk Manager Interface: {banner[:60]!r}")
		client._read_task = asyncio.create_task(client._read_frames())
		return client

	async def login(self, username: str, secret: str, events: str = EVENT_CLASSES) -> None:
		try:
			await self.action("Login", {"Username": username, "Secret": secret, "Events": events})
		except AmiActionError as error:
			raise AmiLoginError(f"{self.label} refused the login of {username!r}: {error}")
		self.logged_in = True

	async def action(self, name: str, fields: dict | None = None, timeout: float = 10) -> Message:
		"""Send an action and wait for its response; AmiActionError when the response is an error."""
		return await self._send(name, fields, timeout, collect=False)

	async def list_action(self, name: str, fields: dict | None = None, timeout: float = 10) -> list[Message]:
		"""Send an action that answers with a list of events (`CoreShowChannels`) and return them."""
		return await self._send(name, fields, timeout, collect=True)

	async def next_event(self) -> Message:
		"""The next event not claimed by an action; AmiConnectionError once the connection is gone."""
		message = await self._events.get()
		if message is None:
			raise self._closed
		return message

	@property
	def connected(self) -> bool:
		return self._closed is None

	def abort(self, reason: str) -> None:
		"""Give up on the connection now; whoever waits on it gets AmiConnectionError(reason)."""
		self._lose(AmiConnectionError(f"connection to {self.label} {reason}"))
		if self._read_task and self._read_task is not asyncio.current_task():
			self._read_task.cancel()
		self._writer.close()

	async def close(self) -> None:
		self.abort("closed")
		try:
			# Shielded: another task closing the same connection must not cancel this one's wait.
			await asyncio.shield(self._writer.wait_closed())
		except OSError:
			pass

	async def _send(self, name: str, fields: dict | None, timeout: float, collect: bool):
		if self._closed:
			raise self._closed
		action_id = (fields or {}).get("ActionID") or next(self._action_ids)
		loop = asyncio.get_running_loop()
		self._responses[action_id] = loop.create_future()
		if collect:
			self._lists[action_id] = ([], loop.create_future())
		try:
			self._writer.write(format_frame({"Action": name, **(fields or {}), "ActionID": action_id}))
			await self._writer.drain()
			response = await asyncio.wait_for(self._responses[action_id], timeout)
			if response.get("Response") == "Error":
				raise AmiActionError(response.get("Message") or f"{name} failed")
			if not collect:
				return response
			events, complete = self._lists[action_id]
			await asyncio.wait_for(complete, timeout)
			return events
		except asyncio.TimeoutError:  # before OSError, of which it is a kind
			raise AmiConnectionError(f"{self.label} did not answer {name} within {timeout} s")
		except OSError as error:
			self._lose(AmiConnectionError(f"connection to {self.label} lost: {error}"))
			raise self._closed
		finally:
			self._responses.pop(action_id, None)
			_, complete = self._lists.pop(action_id, (None, None))
			if complete and complete.done() and not complete.cancelled():
				complete.exception()  # retrieved, so a lost connection is not reported twice

	async def _read_frames(self) -> None:
		try:
			while True:
				try:
					raw = await self._reader.readuntil(FRAME_END)
				except asyncio.LimitOverrunError as error:
					logger.warning("AMI %s: frame over %s bytes skipped", self.label, MAX_FRAME_BYTES)
					await self._reader.readexactly(error.consumed)
					continue
				try:
					message = parse_frame(raw[: -len(FRAME_END)])
				except MalformedFrame as error:
					logger.warning("AMI %s: malformed frame skipped (%s): %r", self.label, error, raw[:200])
					continue
				self._dispatch(message)
		except asyncio.IncompleteReadError:
			self._lose(AmiConnectionError(f"connection to {self.label} closed by the PBX"))
		except OSError as error:
			self._lose(AmiConnectionError(f"connection to {self.label} lost: {error}"))

	def _dispatch(self, message: Message) -> None:
		action_id = message.get("ActionID")
		if "Response" in message:
			waiting = self._responses.get(action_id)
			if waiting and not waiting.done():
				waiting.set_result(message)
		elif action_id in self._lists:
			events, complete = self._lists[action_id]
			if message.get("EventList") != "Complete":
				events.append(message)
			elif not complete.done():
				complete.set_result(None)
		else:
			self._events.put_nowait(message)

	def _lose(self, error: AmiConnectionError) -> None:
		if self._closed:
			return
		self._closed = error
		waiting = [*self._responses.values(), *(complete for _, complete in self._lists.values())]
		for future in waiting:
			if not future.done():
				future.set_exception(error)
		self._events.put_nowait(None)
