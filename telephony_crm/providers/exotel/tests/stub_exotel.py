"""Exotel's v1 API on 127.0.0.1, as its documentation describes it: HTTP Basic auth of the API key and
token (else 401 with a RestException), `Calls/connect.json` answering with the new call's Sid, the
account's own record, and recordings served as the buckets serve them."""

import base64
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from telephony_crm.tests.stub_pbx import LocalServer, send_json


class StubExotel(LocalServer):
	def __init__(self, sid: str, key: str, token: str):
		self.sid = sid
		self.authorization = "Basic " + base64.b64encode(f"{key}:{token}".encode()).decode()
		self.commands: list[dict] = []  # each call placed, as the conformance kit reads them
		self.recordings: dict[str, bytes] = {}  # path -> bytes
		self.calls: set[str] = set()  # the CallSids Exotel knows
		self.rate_limited = False  # answer every request as Exotel does over its API limit
		self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	@property
	def origin(self) -> str:
		return f"http://127.0.0.1:{self.server.server_port}"

	def answer(self, method: str, path: str, form: dict) -> tuple[int, dict]:
		if self.rate_limited:
			return 429, {"RestException": {"Status": 429, "Message": "Too many requests: slow down"}}
		account = f"/v1/Accounts/{self.sid}/"
		if method == "GET" and path == account:
			return 200, {"Account": {"Sid": self.sid, "Status": "active"}}
		if (
			method == "GET"
			and path.startswith(f"{account}Calls/")
			and path.removeprefix(f"{account}Calls/").removesuffix(".json") in self.calls
		):
			return 200, {
				"Call": {
					"Sid": path.removeprefix(f"{account}Calls/").removesuffix(".json"),
					"Status": "completed",
				}
			}
		if method == "POST" and path == f"{account}Calls/connect.json":
			if not (form.get("From") and form.get("To") and form.get("CallerId")):
				return 400, {
					"RestException": {"Status": 400, "Message": "From, To and CallerId are required"}
				}
			self.commands.append(
				{"action": "originate", "extension": form["From"], "number": form["To"], "form": form}
			)
			return 200, {
				"Call": {"Sid": secrets.token_hex(16), "Status": "in-progress", "From": form["From"]}
			}
		return 404, {"RestException": {"Status": 404, "Message": "Not found"}}


def _handler(stub: StubExotel):
	class Handler(BaseHTTPRequestHandler):
		def do_GET(self):
			if self.path in stub.recordings:
				return self.audio(stub.recordings[self.path])
			self.api("GET", {})

		def do_POST(self):
			body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
			self.api("POST", dict(parse_qsl(body, keep_blank_values=True)))

		def api(self, method: str, form: dict):
			if self.headers.get("Authorization") != stub.authorization:
				message = "Authentication is required to view this resource"
				return self.reply(401, {"RestException": {"Status": 401, "Message": message}})
			self.reply(*stub.answer(method, self.path, form))

		def audio(self, data: bytes):
			self.send_response(200)
			self.send_header("Content-Type", "audio/mpeg")
			self.send_header("Content-Length", str(len(data)))
			self.end_headers()
			self.wfile.write(data)

		def reply(self, status: int, body: dict):
			send_json(self, status, body)

		def log_message(self, *args):
			pass

	return Handler
