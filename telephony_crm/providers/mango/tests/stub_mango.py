"""Mango Office's API on 127.0.0.1, as its documentation describes it.

Every request must be signed with the key and salt (else HTTP 420, code 3102); commands are
acknowledged at once and their result kept in `results`, as Mango would post it to
{external system}/result/<command> later; a recording is served through a 302 to a one-time link.
"""

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from telephony_crm.providers.mango.signing import sign
from telephony_crm.tests.stub_pbx import LocalServer

WRONG_SIGNATURE = 3102  # the 31xx class: parameters or credentials
BAD_PARAMETERS = 3100
NOT_FOUND = 3300


class StubMango(LocalServer):
	def __init__(
		self, api_key: str, salt: str, *, callback_result: int = 1000, file_origin: str | None = None
	):
		self.api_key, self.salt = api_key, salt
		self.callback_result = callback_result
		self.file_origin = file_origin  # where recording links point (default: the stub itself)
		self.commands: list[dict] = []  # {"path", "json"} of every signed request
		self.results: list[dict] = []  # {"service", "json"} Mango would post back
		self.recordings: dict[str, bytes] = {}
		self._links: dict[str, bytes] = {}
		self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	@property
	def origin(self) -> str:
		return f"http://127.0.0.1:{self.server.server_port}"

	@property
	def url(self) -> str:
		return f"{self.origin}/vpbx/"

	def understood(self) -> list[dict]:
		"""The commands as the conformance kit names them."""
		actions = {"commands/callback": "originate", "commands/call/hangup": "hangup"}
		return [
			{
				"action": actions[command["path"]],
				"extension": command["json"].get("from", {}).get("extension"),
				"number": command["json"].get("to_number"),
				"call_id": command["json"].get("call_id"),
			}
			for command in self.commands
			if command["path"] in actions
		]

	def answer(self, path: str, payload: dict) -> tuple[int, dict, dict]:
		"""(status, headers, body) for a signed request."""
		if path == "commands/callback":
			if not (
				payload.get("command_id")
				and payload.get("from", {}).get("extension")
				and payload.get("to_number")
			):
				return 420, {}, {"code": BAD_PARAMETERS}
			return self._acknowledge("result/callback", payload, self.callback_result)
		if path == "commands/call/hangup":
			if not (payload.get("command_id") and payload.get("call_id")):
				return 420, {}, {"code": BAD_PARAMETERS}
			return self._acknowledge("result/call/hangup", payload, 1000)
		if path == "queries/recording/post":
			audio = self.recordings.get(payload.get("recording_id"))
			if audio is None:
				return 420, {}, {"code": NOT_FOUND}
			token = secrets.token_urlsafe(16)
			self._links[token] = audio
			return 302, {"Location": f"{self.file_origin or self.origin}/files/{token}"}, {}
		if path == "config/users/request":
			return 200, {}, {"users": [{"general": {"name": "Ivanov"}, "telephony": {"extension": "101"}}]}
		return 404, {}, {}

	def _acknowledge(self, service: str, payload: dict, result: int) -> tuple[int, dict, dict]:
		self.results.append(
			{"service": service, "json": {"command_id": payload["command_id"], "result": result}}
		)
		return 200, {}, {"result": 1000}

	def take_file(self, token: str) -> bytes | None:
		return self._links.pop(token, None)


def _handler(stub: StubMango):
	class Handler(BaseHTTPRequestHandler):
		def do_POST(self):
			body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
			form = {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}
			json_text = form.get("json", "")
			if form.get("vpbx_api_key") != stub.api_key or form.get("sign") != sign(
				stub.api_key, json_text, stub.salt
			):
				return self.reply(420, {}, {"code": WRONG_SIGNATURE})
			path = self.path.removeprefix("/vpbx/")
			payload = json.loads(json_text)
			stub.commands.append({"path": path, "json": payload})
			self.reply(*stub.answer(path, payload))

		def do_GET(self):
			audio = stub.take_file(self.path.removeprefix("/files/"))
			if audio is None:
				return self.reply(404, {}, {})
			self.send_response(200)
			self.send_header("Content-Type", "audio/mp3")
			self.send_header("Content-Length", str(len(audio)))
			self.end_headers()
			self.wfile.write(audio)

		def reply(self, status: int, headers: dict, body: dict):
			data = json.dumps(body).encode()
			self.send_response(status)
			for name, value in {"Content-Type": "application/json", **headers}.items():
				self.send_header(name, value)
			self.send_header("Content-Length", str(len(data)))
			self.end_headers()
			self.wfile.write(data)

		def log_message(self, *args):
			pass

	return Handler
