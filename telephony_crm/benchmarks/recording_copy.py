"""Copying recordings onto the site: files per second, and the copying workers' peak memory.

    bench --site bench.test execute telephony_crm.benchmarks.recording_copy.run \
        --kwargs "{'files': 1000, 'megabytes': 1, 'workers': 2}"

A local web server serves one recording of `megabytes` MB under `files` URLs; the site gets that many
ended calls with a recording there, and `workers` processes copy them with the copy job (what an RQ
worker runs). Each worker reports how far its memory rose above where it stood before its first copy:
run again with a larger `megabytes` and that figure must stay the same (the copy streams to disk).
Everything the run made is removed at the end.
"""

import multiprocessing
import os
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import frappe

from telephony_crm.recordings.copy import copy_recording
from telephony_crm.recordings.state import ON_SITE
from telephony_crm.tests.factories import delete_calls, make_provider, recorded_call


def run(files: int = 1000, megabytes: int = 1, workers: int = 2):
	with tempfile.TemporaryDirectory() as folder, _serve(folder, megabytes) as authority:
		provider = make_provider(recording_hosts=authority).name
		calls = _ended_calls(provider, authority, files)
		# Copying on only now: no job is queued for the benchmark's calls.
		frappe.db.set_value("Telephony Provider Settings", provider, "copy_recordings", 1)
		frappe.db.commit()
		started = time.monotonic()
		with multiprocessing.get_context("spawn").Pool(workers) as pool:
			reports = pool.map(
				partial(_copy_share, frappe.local.site, frappe.local.sites_path),
				[calls[i::workers] for i in range(workers)],
			)
		seconds = time.monotonic() - started
		copied = frappe.db.count("Telephony Call Log", {"provider": provider, "recording_status": ON_SITE})
		print(
			f"Copied {copied} of {files} recordings of {megabytes} MB with {workers} workers in {seconds:.1f} s: "
			f"{copied / seconds:.1f} files/s, {copied * megabytes / seconds:.1f} MB/s"
		)
		for error in frappe.get_all(
			"Telephony Call Log",
			{"provider": provider, "recording_error": ("is", "set")},
			pluck="recording_error",
			distinct=True,
		):
			print(f"failed: {error}")
		for number, (count, before_kb, peak_kb) in enumerate(reports, 1):
			print(
				f"worker {number}: {count} files, memory {before_kb / 1024:.1f} MB before its first copy, "
				f"peak {peak_kb / 1024:.1f} MB (+{(peak_kb - before_kb) / 1024:.1f} MB)"
			)
		delete_calls(provider)
		frappe.delete_doc("Telephony Provider Settings", provider, ignore_permissions=True, force=True)
		frappe.db.commit()


class _serve:
	"""A web server on 127.0.0.1 serving `folder`, which holds one recording: `rec.mp3`."""

	def __init__(self, folder: str, megabytes: int):
		with open(os.path.join(folder, "rec.mp3"), "wb") as recording:
			recording.write(b"ID3\x04\x00\x00\x00\x00\x00\x00")
			for _megabyte in range(megabytes):
				recording.write(os.urandom(1024 * 1024))
		handler = partial(_QuietHandler, directory=folder)
		self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)

	def __enter__(self) -> str:
		threading.Thread(target=self.server.serve_forever, daemon=True).start()
		return f"127.0.0.1:{self.server.server_port}"

	def __exit__(self, *exc):
		self.server.shutdown()
		self.server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
	def log_message(self, *args):
		pass


def _ended_calls(provider: str, authority: str, count: int) -> list[str]:
	return [
		recorded_call(provider, f"http://{authority}/rec.mp3?call={number}", call_id=f"bench-rec-{number}")
		for number in range(count)
	]


def _copy_share(site: str, sites_path: str, calls: list[str]) -> tuple[int, int, int]:
	"""One worker process: copy `calls`; (count, memory before the first copy, peak memory) in KB."""
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	try:
		before_kb = _memory_kb("VmRSS")
		for call in calls:
			copy_recording(call)
		# The high-water mark of this process's own memory (ru_maxrss would carry the parent's over
		# the exec that started it).
		return len(calls), before_kb, _memory_kb("VmHWM")
	finally:
		frappe.destroy()


def _memory_kb(field: str) -> int:
	with open("/proc/self/status") as status:
		return next(int(line.split()[1]) for line in status if line.startswith(f"{field}:"))
