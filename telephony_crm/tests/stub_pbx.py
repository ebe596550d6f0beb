"""A PBX's control endpoint on 127.0.0.1: records each command it is sent and answers as told."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
	"""A stub's HTTP server (`self.server`, served by `self.thread`), running for a `with` block."""

	def __enter__(self):
		self.thread.start()
		return self

	def __exit__(self, *exc):
		self.server.shutdown()
		self.server.server_close()


def send_json(handler: BaseHTTPRequestHandler, status: int, body) -> None:
	"""Answer a stub's request with `body` as JSON (nothing for None), as the provider's API does."""
	data = json.dumps(body).encode() if body is not None else b""
	handler.send_response(status)
	handler.send_header("Content-Type", "application/json")
	handler.send_header("Content-Length", str(len(data)))
	handler.end_headers()
	handler.wfile.write(data)


class StubPBX(LocalServer):
	def __init__(self, status: int = 200):
		self.status = status
		self.commands: list[dict] = []
		stub = self

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self):
				body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
				stub.commands.append(
					{
						"path": self.path,
						"headers": dict(self.headers),
						"raw": body,
						"json": json.loads(body or b"null"),
					}
				)
				self.send_response(stub.status)
				self.send_header("Content-Type", "application/json")
				self.end_headers()
				self.wfile.write(b'{"ok": true}' if stub.status < 400 else b'{"error": "refused"}')

			def log_message(self, *args):
				pass

		self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	@property
	def url(self) -> str:
		return f"http://127.0.0.1:{self.server.server_port}/control"
