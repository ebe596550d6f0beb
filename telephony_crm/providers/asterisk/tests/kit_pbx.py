"""A PBX for the conformance kit: it keeps the connector's session up and sends it whatever traffic the
kit feeds, and answers short command sessions (Originate, Hangup) as Asterisk does, CoreShowChannels
from the channels that traffic left up."""

import asyncio

from telephony_crm.providers.asterisk.protocol import FRAME_END, format_frame
from telephony_crm.providers.asterisk.tests.ami_server import frame_headers

BANNER = "Asterisk Call Manager/9.0.0"


class KitPbx:
	def __init__(self, username: str, secret: str):
		self.credentials = (username, secret)
		self.commands: list[dict] = []  # the Originate and Hangup actions received, as sent
		self.channels: dict[str, dict] = {}  # Uniqueid -> its CoreShowChannel fields
		self._listeners: list[asyncio.StreamWriter] = []  # sessions logged in with events on
		self._server = None

	async def start(self) -> int:
		self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
		return self._server.sockets[0].getsockname()[1]

	async def stop(self) -> None:
		self._server.close()
		for writer in self._listeners:
			writer.close()
		await self._server.wait_closed()

	def send(self, frames: list[dict]) -> None:
		"""Send events to every session that listens, in order (called on the server's loop)."""
		for frame in frames:
			self._follow(frame)
			for writer in self._listeners:
				writer.write(format_frame(frame))

	def _follow(self, event: dict) -> None:
		uniqueid, name = event.get("Uniqueid"), event.get("Event")
		if not (uniqueid and event.get("Channel") and event.get("Linkedid")):
			return
		if name == "Hangup":
			self.channels.pop(uniqueid, None)
			return
		if name == "Newchannel":
			self.channels[uniqueid] = {"BridgeId": ""}
		channel = self.channels.get(uniqueid)
		if channel is None:
			return
		channel.update({key: event[key] for key in ("Channel", "Uniqueid", "Linkedid", "ChannelStateDesc")})
		if name == "BridgeEnter":
			channel["BridgeId"] = event.get("BridgeUniqueid", "")
		elif name == "BridgeLeave":
			channel["BridgeId"] = ""

	async def _serve(self, reader, writer):
		writer.write(f"{BANNER}\r\n".encode())
		try:
			while True:
				action = frame_headers(await reader.readuntil(FRAME_END))
				for answer in self._answer(action, writer):
					writer.write(format_frame(answer))
				if action.get("Action", "").lower() == "logoff" or writer.is_closing():
					break
		except (asyncio.IncompleteReadError, ConnectionError):
			pass
		finally:
			if writer in self._listeners:
				self._listeners.remove(writer)
			writer.close()

	def _answer(self, action: dict, writer) -> list[dict]:
		name, action_id = action.get("Action", "").lower(), action.get("ActionID", "")
		done = {"Response": "Success", "ActionID": action_id}
		if name == "login":
			if (action.get("Username"), action.get("Secret")) != self.credentials:
				writer.close()
				return [{"Response": "Error", "ActionID": action_id, "Message": "Authentication failed"}]
			if action.get("Events", "on").lower() != "off":
				self._listeners.append(writer)
			return [{**done, "Message": "Authentication accepted"}]
		if name == "coreshowchannels":
			listed = [
				{"Event": "CoreShowChannel", "ActionID": action_id, **c} for c in self.channels.values()
			]
			complete = {"Event": "CoreShowChannelsComplete", "ActionID": action_id, "EventList": "Complete"}
			return [{**done, "EventList": "start"}, *listed, {**complete, "ListItems": str(len(listed))}]
		if name in ("originate", "hangup"):
			self.commands.append(action)
			return [{**done, "Message": "Originate successfully queued" if name == "originate" else "Hungup"}]
		if name == "logoff":
			return [{"Response": "Goodbye", "ActionID": action_id, "Message": "Thanks for all the fish."}]
		return [{**done, "Ping": "Pong"}] if name == "ping" else [done]
