"""Twilio's REST API on 127.0.0.1, as its documentation describes it: HTTP Basic auth of the account SID
and auth token (else 401, code 20003), Calls.json creating a call (201), a call's update to `completed`
hanging it up, recordings served as `.mp3` and deleted as `.json` (204)."""

import base64
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from telephony_crm.tests.stub_pbx import LocalServer


class StubTwilio(LocalServer):
	def __init__(self, sid: str, token: str):
		self.sid = sid
		self.authorization = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()
		self.commands: list[dict] = []  # originate and hangup, as the conformance kit reads them
		self.recordings: dict[str, bytes] = {}
		self.deleted: list[str] = []
		self.rate_limited = False  # answer every request as Twilio does over its concurrency limit
		self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	@property
	def origin(self) -> str:
		return f"http://127.0.0.1:{self.server.server_port}"

	def answer(self, method: str, path: str, form: list[tuple[str, str]]) -> tuple[int, dict | bytes | None]:
		if self.rate_limited:
			return 429, {"code": 20429, "message": "Too Many Requests", "status": 429}
		account = f"/2010-04-01/Accounts/{self.sid}/"
		if not path.startswith(account):
			return 404, {"code": 20404, "message": "The requested resource was not found"}
		resource = path.removeprefix(account)
		fields = dict(form)
		if method == "GET" and resource == "Calls.json":
			return 200, {"calls": [], "page_size": 1}
		if method == "POST" and resource == "Calls.json":
			number = re.search(r"<Number[^>]*>([^<]+)</Number>", fields.get("Twiml", ""))
			self.commands.append(
				{
					"action": "originate",
					"extension": fields.get("To"),
					"number": number and number.group(1),
					"form": form,
				}
			)
			return 201, {"sid": "CA" + secrets.token_hex(16), "status": "queued"}
		if method == "POST" and (call := re.fullmatch(r"Calls/([^/]+)\.json", resource)):
			self.commands.append(
				{"action": "hangup", "call_id": call.group(1), "status": fields.get("Status")}
			)
			return 200, {"sid": call.group(1), "status": fields.get("Status")}
		if recording := re.fullmatch(r"Recordings/([^/.]+)\.(mp3|json)", resource):
			sid, kind = recording.groups()
			if sid not in self.recordings:
				return 404, {"code": 20404, "message": "The requested resource was not found"}
			if method == "DELETE" and kind == "json":
				self.deleted.append(sid)
				del self.recordings[sid]
				return 204, None
			if method == "GET" and kind == "mp3":
				return 200, self.recordings[sid]
		return 404, {"code": 20404, "message": "The requested resource was not found"}


def _handler(stub: StubTwilio):
	class Handler(BaseHTTPRequestHandler):
		def do_GET(self):
			self.api("GET")

		def do_POST(self):
			self.api("POST")

		def do_DELETE(self):
			self.api("DELETE")

		def api(self, method: str):
			body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
			if self.headers.get("Authorization") != stub.authorization:
				return self.reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
			self.reply(
				*stub.answer(method, urlsplit(self.path).path, parse_qsl(body, keep_blank_values=True))
			)

		def reply(self, status: int, body):
			data = (
				body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
			)
			self.send_response(status)
			self.send_header("Content-Type", "audio/mpeg" if isinstance(body, bytes) else "application/json")
			self.send_header("Content-Length", str(len(data)))
			self.end_headers()
			self.wfile.write(data)

		def log_message(self, *args):
			pass

	return Handler
