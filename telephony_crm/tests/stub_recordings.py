"""A recording host on 127.0.0.1: serves the bytes registered at each path, with Range requests, and
answers an error, a redirect or a body cut short where told to. Records every request it is sent."""

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from telephony_crm.tests.stub_pbx import LocalServer

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass
class Served:
	body: bytes = b""
	content_type: str = "audio/mpeg"
	status: int = 200
	location: str | None = None
	# Send the full Content-Length but only this many bytes, then close the connection.
	cut_after: int | None = None
	headers: dict = field(default_factory=dict)


class StubRecordings(LocalServer):
	def __init__(self):
		self.served: dict[str, Served] = {}
		self.requests: list[dict] = []
		stub = self

		class Handler(BaseHTTPRequestHandler):
			def do_GET(self):
				stub.requests.append({"path": self.path, "headers": dict(self.headers)})
				stub._answer(self)

			def log_message(self, *args):
				pass

		self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	def serve(self, path: str, body: bytes = b"", content_type: str = "audio/mpeg", **how) -> str:
		"""Answer GET `path` with `body` (or as `how` says: status, location, cut_after, headers);
		returns the path's URL."""
		self.served[path] = Served(body=body, content_type=content_type, **how)
		return self.url(path)

	def requested(self, path: str) -> list[dict]:
		return [r for r in self.requests if urlsplit(r["path"]).path == path]

	@property
	def host(self) -> str:
		"""`127.0.0.1:PORT`, as a provider's Recording Hosts setting names it."""
		return f"127.0.0.1:{self.server.server_port}"

	def url(self, path: str) -> str:
		return f"http://{self.host}{path}"

	def _answer(self, handler: BaseHTTPRequestHandler) -> None:
		served = self.served.get(urlsplit(handler.path).path)
		if served is None:
			served = Served(b"not found", "text/plain", status=404)
		body, status, headers = served.body, served.status, {"Content-Type": served.content_type}
		if status == 200:
			headers["Accept-Ranges"] = "bytes"
			wanted = _byte_range(handler.headers.get("Range"), len(body))
			if wanted == "unsatisfiable":
				status, body = 416, b""
				headers["Content-Range"] = f"bytes */{len(served.body)}"
			elif wanted:
				start, end = wanted
				status, body = 206, body[start : end + 1]
				headers["Content-Range"] = f"bytes {start}-{end}/{len(served.body)}"
		if served.location:
			headers["Location"] = served.location
		headers.update(served.headers)
		headers["Content-Length"] = str(len(body))
		handler.send_response(status)
		for name, value in headers.items():
			handler.send_header(name, value)
		handler.end_headers()
		handler.wfile.write(body if served.cut_after is None else body[: served.cut_after])
		handler.close_connection = True


def _byte_range(header: str | None, size: int):
	"""(first, last) byte of a single `bytes=` range, "unsatisfiable", or None to send everything."""
	match = _RANGE.fullmatch((header or "").strip())
	if not match or match.groups() == ("", ""):
		return None
	first, last = match.groups()
	if not first:  # the last N bytes
		return (max(size - int(last), 0), size - 1) if int(last) and size else "unsatisfiable"
	start, end = int(first), min(int(last), size - 1) if last else size - 1
	if last and int(last) < start:
		return None  # not a valid range: ignored, as RFC 9110 says
	return (start, end) if start < size else "unsatisfiable"
