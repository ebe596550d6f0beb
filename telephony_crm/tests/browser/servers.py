"""The bench's web and realtime (socket.io) servers, started for browser tests and benchmarks.

Both are this run's own, on free ports: the web server serves the site with DEV_SERVER=1, and the
site's `socketio_port` points the desk at a socket.io server started for this site alone (another one,
say of `bench start`, may be serving another site by default). The site's config is restored at the end.
socket.io checks each connection by calling back the web server the page came from (its Origin).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import frappe
import requests
from frappe.installer import update_site_config

STARTUP_SECONDS = 60
# `bench` as the bench CLI runs it: the bench's Python, in the sites folder.
BENCH = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe"]


class BenchServers:
	def __init__(self, site: str, log_dir: Path):
		self.site = site
		self.log_dir = log_dir
		self.sites_path = Path(frappe.local.sites_path).resolve()
		self.bench_path = self.sites_path.parent
		self.socketio_port = 0
		self.site_socketio_port = None  # the site's own setting, put back by stop()
		self.url = ""
		self.processes: dict[str, subprocess.Popen] = {}

	def start(self) -> "BenchServers":
		try:
			port = free_port()
			self.url = f"http://127.0.0.1:{port}"
			self._spawn(
				"web",
				[*BENCH, "--site", self.site, "serve", "--port", str(port), "--noreload"],
				cwd=self.sites_path,
				env={"DEV_SERVER": "1"},
			)
			self.socketio_port = free_port()
			with open(frappe.get_site_path("site_config.json")) as config:
				self.site_socketio_port = json.load(config).get("socketio_port")
			update_site_config("socketio_port", self.socketio_port)
			# The site of sockets opened from 127.0.0.1 is socket.io's default site: this one.
			self._spawn(
				"socketio",
				["node", "apps/frappe/socketio.js"],
				cwd=self.bench_path,
				env={"FRAPPE_SITE": self.site, "FRAPPE_SOCKETIO_PORT": str(self.socketio_port)},
			)
			self._wait_until("web", lambda: self._pong(f"{self.url}/api/method/ping"))
			self._wait_until("socketio", lambda: port_is_open(self.socketio_port))
		except BaseException:
			self.stop()
			raise
		return self

	def stop(self) -> None:
		if self.socketio_port:
			update_site_config("socketio_port", self.site_socketio_port or "None")
			self.socketio_port = 0
		for process in self.processes.values():
			if process.poll() is None:
				os.killpg(process.pid, signal.SIGTERM)
		for process in self.processes.values():
			try:
				process.wait(timeout=10)
			except subprocess.TimeoutExpired:
				os.killpg(process.pid, signal.SIGKILL)
				process.wait()
		self.processes.clear()

	def _spawn(self, name: str, command: list[str], cwd: Path, env: dict[str, str]) -> None:
		with open(self.log_dir / f"{name}.log", "wb") as log:
			self.processes[name] = subprocess.Popen(
				command,
				cwd=cwd,
				env={**os.environ, **env},
				stdout=log,
				stderr=subprocess.STDOUT,
				start_new_session=True,  # its own process group, stopped as one
			)

	def _wait_until(self, name: str, ready) -> None:
		deadline = time.monotonic() + STARTUP_SECONDS
		while not ready():
			process = self.processes.get(name)
			if process and process.poll() is not None:
				raise RuntimeError(f"The {name} server exited; see {self.log_dir / f'{name}.log'}")
			if time.monotonic() > deadline:
				raise RuntimeError(f"The {name} server did not start in {STARTUP_SECONDS} s")
			time.sleep(0.2)

	@staticmethod
	def _pong(url: str) -> bool:
		try:
			return requests.get(url, timeout=2).json().get("message") == "pong"
		except (requests.RequestException, ValueError):
			return False


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def port_is_open(port: int) -> bool:
	with socket.socket() as s:
		s.settimeout(0.5)
		return s.connect_ex(("127.0.0.1", port)) == 0
