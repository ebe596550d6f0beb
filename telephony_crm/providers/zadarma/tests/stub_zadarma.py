"""Zadarma's REST API on 127.0.0.1, as its PHP library and documentation describe it: every request signed
with the key and secret (else HTTP 401, `{"status": "error", "message": "Not authorized"}`); the callback
acknowledged with no id of the call; a recording served through a short-lived link."""

import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from telephony_crm.providers.zadarma.signing import api_authorization
from telephony_crm.tests.stub_pbx import LocalServer, send_json


class StubZadarma(LocalServer):
	def __init__(self, key: str, secret: str, *, link_origin: str | None = None):
		self.key, self.secret = key, secret
		self.link_origin = link_origin  # where recording links point (default: the stub itself)
		self.rate_limited = False  # answer every request as Zadarma does over its request limit
		self.commands: list[dict] = []  # each callback, as the conformance kit reads them
		self.requests: list[str] = []  # the path of every signed request
		self.recordings: dict[str, bytes] = {}
		self._links: dict[str, bytes] = {}
		self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	@property
	def origin(self) -> str:
		return f"http://127.0.0.1:{self.server.server_port}"

	def answer(self, path: str, params: dict) -> tuple[int, dict]:
		if self.rate_limited:
			return 429, {"status": "error", "message": "You have exceeded the limit of requests"}
		if path == "/v1/info/balance/":
			return 200, {"status": "success", "balance": 10.5, "currency": "USD"}
		if path == "/v1/request/callback/":
			if not (params.get("from") and params.get("to")):
				return 400, {"status": "error", "message": "Wrong parameters"}
			self.commands.append({"action": "originate", "extension": params["from"], "number": params["to"]})
			return 200, {
				"status": "success",
				"from": params["from"],
				"to": params["to"],
				"time": int(time.time()),
			}
		if path == "/v1/pbx/record/request/":
			audio = self.recordings.get(params.get("call_id"))
			if audio is None:
				return 404, {"status": "error", "message": "Record not found"}
			token = secrets.token_urlsafe(16)
			self._links[token] = audio
			return 200, {
				"status": "success",
				"link": f"{self.link_origin or self.origin}/records/{token}.mp3",
				"lifetime_till": "2030-01-01 00:00:00",
			}
		return 404, {"status": "error", "message": "Method not found"}

	def signed(self, path: str, params: dict, authorization: str | None) -> bool:
		return authorization == api_authorization(self.key, self.secret, path, params)


def _handler(stub: StubZadarma):
	class Handler(BaseHTTPRequestHandler):
		def do_GET(self):
			url = urlsplit(self.path)
			if url.path.startswith("/records/"):
				return self.file(url.path.removeprefix("/records/").removesuffix(".mp3"))
			params = dict(parse_qsl(url.query, keep_blank_values=True))
			if not stub.signed(url.path, params, self.headers.get("Authorization")):
				return self.reply(401, {"status": "error", "message": "Not authorized"})
			stub.requests.append(url.path)
			self.reply(*stub.answer(url.path, params))

		def file(self, token: str):
			audio = stub._links.get(token)
			if audio is None:
				return self.reply(404, {"status": "error", "message": "Link expired"})
			first, last = 0, len(audio) - 1
			byte_range = self.headers.get("Range", "")
			if byte_range.startswith("bytes="):
				start, _, end = byte_range.removeprefix("bytes=").partition("-")
				first, last = int(start or 0), int(end) if end else last
			self.send_response(206 if byte_range else 200)
			self.send_header("Content-Type", "audio/mpeg")
			self.send_header("Content-Length", str(last - first + 1))
			if byte_range:
				self.send_header("Content-Range", f"bytes {first}-{last}/{len(audio)}")
			self.end_headers()
			self.wfile.write(audio[first : last + 1])

		def reply(self, status: int, body: dict):
			send_json(self, status, body)

		def log_message(self, *args):
			pass

	return Handler
