"""Telphin's REST API on 127.0.0.1 (a random port), as documented: the token endpoint (tokens expire
and are then refused with 401), extensions, event subscriptions, callback, current calls, records."""

import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from telephony_crm.providers.telphin.tests import fixtures
from telephony_crm.tests.stub_pbx import LocalServer

RECORDING_BYTES = b"ID3" + bytes(range(256)) * 512  # an MP3's header, and 128 KB of sound


class StubTelphin(LocalServer):
	def __init__(self, app_id: str = fixtures.APP_ID, app_secret: str = fixtures.APP_SECRET):
		self.credentials = (app_id, app_secret)
		self.expires_in = 3600
		self.tokens: set[str] = set()
		self.token_requests = 0
		self.extensions = [dict(row) for row in fixtures.EXTENSIONS]
		self.subscriptions: dict[str, list[dict]] = {}
		self.commands: list[dict] = []  # each originate and hangup, as the kit reads them
		self.recordings = {}
		self._ids = iter(range(1000, 10**9))
		self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	@property
	def origin(self) -> str:
		return f"http://127.0.0.1:{self.server.server_port}"

	def expire_tokens(self) -> None:
		"""Every token issued so far is refused from now on, as after `expires_in`."""
		self.tokens.clear()

	def subscribe(self, extension_id, event_type: str, url: str) -> None:
		self.subscriptions.setdefault(str(extension_id), []).append(
			{"id": next(self._ids), "url": url, "event_type": event_type, "method": "POST"}
		)

	# Routes: (method, path pattern) -> handler(match, request) -> (status, body[, headers])

	def token(self, match, request):
		self.token_requests += 1
		form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
		if form.get("grant_type") != "client_credentials":
			return 400, {"error": "unsupported_grant_type"}
		if (form.get("client_id"), form.get("client_secret")) != self.credentials:
			return 401, {"error": "invalid_client", "error_description": "Invalid client credentials"}
		token = secrets.token_urlsafe(16)
		self.tokens.add(token)
		return 200, {**fixtures.TOKEN_ANSWER, "access_token": token, "expires_in": self.expires_in}

	def extension_list(self, match, request):
		kind = request.query.get("type", [None])[0]
		return 200, [row for row in self.extensions if kind in (None, row["type"])]

	def event_list(self, match, request):
		return 200, self.subscriptions.get(match["ext"], [])

	def event_create(self, match, request):
		body = json.loads(request.body)
		self.subscribe(match["ext"], body["event_type"], body["url"])
		return 201, self.subscriptions[match["ext"]][-1]

	def event_delete(self, match, request):
		rows = self.subscriptions.get(match["ext"], [])
		kept = [row for row in rows if str(row["id"]) != match["id"]]
		self.subscriptions[match["ext"]] = kept
		return (204, None) if len(kept) < len(rows) else (404, {"message": "Event not found"})

	def callback(self, match, request):
		body = json.loads(request.body)
		call_id = secrets.token_hex(16)
		self.commands.append(
			{
				"action": "originate",
				"extension": body["src_num"][0],
				"number": body["dst_num"],
				"extension_id": match["ext"],
				"call_id": call_id,
			}
		)
		return 201, {"call_api_id": call_id, "call_id": call_id}

	def hangup(self, match, request):
		self.commands.append(
			{
				"action": "hangup",
				"extension": self._extension_name(match["ext"]),
				"number": None,
				"call_api_id": match["call"],
			}
		)
		return 204, None

	def record(self, match, request):
		if match["id"] not in self.recordings:
			return 404, {"message": "Record not found"}
		headers = {
			"Content-Type": "audio/mpeg",
			"Content-Disposition": f'attachment; filename="{match["id"]}.mp3"',
		}
		return 200, self.recordings[match["id"]], headers

	def record_delete(self, match, request):
		if self.recordings.pop(match["id"], None) is None:
			return 404, {"message": "Record not found"}
		return 200, {}

	def _extension_name(self, extension_id: str) -> str | None:
		return next((row["name"] for row in self.extensions if str(row["id"]) == extension_id), None)

	ROUTES = (
		("POST", r"/oauth/token", "token", False),
		("GET", r"/api/ver1.0/client/@me/extension/", "extension_list", True),
		("GET", r"/api/ver1.0/extension/(?P<ext>\d+)/event/", "event_list", True),
		("POST", r"/api/ver1.0/extension/(?P<ext>\d+)/event/", "event_create", True),
		("DELETE", r"/api/ver1.0/extension/(?P<ext>\d+)/event/(?P<id>\d+)", "event_delete", True),
		("POST", r"/api/ver1.0/extension/(?P<ext>\d+)/callback/", "callback", True),
		("DELETE", r"/api/ver1.0/extension/(?P<ext>\d+)/current_calls/(?P<call>[^/]+)", "hangup", True),
		("GET", r"/api/ver1.0/client/@me/record/(?P<id>[^/]+)", "record", True),
		("DELETE", r"/api/ver1.0/client/@me/record/(?P<id>[^/]+)", "record_delete", True),
	)

	def answer(self, request):
		for method, pattern, name, authorized in self.ROUTES:
			match = re.fullmatch(pattern, request.path)
			if match and method == request.method:
				if authorized and request.bearer not in self.tokens:
					return 401, {"message": "Unauthorized"}
				return getattr(self, name)(match, request)
		return 404, {"message": "Not found"}


class _Request:
	def __init__(self, handler: BaseHTTPRequestHandler):
		parts = urlsplit(handler.path)
		self.method = handler.command
		self.path = parts.path
		self.query = parse_qs(parts.query)
		self.body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
		authorization = handler.headers.get("Authorization") or ""
		self.bearer = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None


def _handler(stub: StubTelphin):
	class Handler(BaseHTTPRequestHandler):
		def _serve(self):
			status, body, *headers = stub.answer(_Request(self))
			raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
			self.send_response(status)
			for name, value in (headers[0] if headers else {"Content-Type": "application/json"}).items():
				self.send_header(name, value)
			self.send_header("Content-Length", str(len(raw)))
			self.end_headers()
			self.wfile.write(raw)

		do_GET = do_POST = do_DELETE = _serve

		def log_message(self, *args):
			pass

	return Handler
