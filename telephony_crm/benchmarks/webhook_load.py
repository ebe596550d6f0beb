"""Webhook throughput and latency against a served site (gunicorn with 2 workers), beside Frappe's own
REST insert rate on the same site in the same run.

Prepare a provider with a secret of your choice, start gunicorn, then load it:

    bench --site bench.test execute telephony_crm.benchmarks.webhook_load.prepare --kwargs "{'secret': 'S3cret'}"
    cd sites && ../env/bin/gunicorn -b 127.0.0.1:8001 -w 2 -t 120 frappe.app:application --preload
    python webhook_load.py --url http://127.0.0.1:8001 --site bench.test --secret S3cret --calls 500 --concurrency 8

Each simulated call sends ringing, answered and ended, one after the other; `--concurrency` calls run at
once. Then as many ToDos are inserted through `POST /api/resource/ToDo` (as Administrator, with the API
key `prepare` sets) at the same concurrency. Prints sustained requests/s and latency percentiles per
request for both, and their ratio. Uses only the standard library.
"""

import argparse
import http.client
import json
import sys
import threading
import time
import uuid
from urllib.parse import quote, urlsplit

if __package__:
	from telephony_crm.benchmarks.stats import summary
else:  # run as a plain script
	sys.path.insert(0, __file__.rsplit("/", 1)[0])
	from stats import summary

PROVIDER = "Bench PBX"
API_KEY = "webhook-bench"


def prepare(secret: str) -> None:
	"""Create (or update) the benchmark's provider and agent line; runs inside bench execute."""
	import frappe

	if not frappe.db.exists("Telephony Provider Settings", PROVIDER):
		frappe.get_doc(
			{
				"doctype": "Telephony Provider Settings",
				"provider_name": PROVIDER,
				"default_region": "Russian Federation",
			}
		).insert(ignore_permissions=True)
	provider = frappe.get_doc("Telephony Provider Settings", PROVIDER)
	provider.webhook_secret = secret
	provider.save(ignore_permissions=True)
	if not frappe.db.exists("SIP Account", {"provider": PROVIDER, "extension": "101"}):
		frappe.get_doc(
			{"doctype": "SIP Account", "user": "Administrator", "provider": PROVIDER, "extension": "101"}
		).insert(ignore_permissions=True)
	# The load comes from one address: a limit it never reaches, so its cost is still measured.
	frappe.db.set_single_value("Telephony Settings", "webhook_rate_limit", 10**9)
	admin = frappe.get_doc("User", "Administrator")
	admin.api_key, admin.api_secret = API_KEY, secret
	admin.save(ignore_permissions=True)
	frappe.db.commit()


def load(url: str, site: str, secret: str, calls: int, concurrency: int) -> None:
	webhook_path = f"/api/method/telephony_crm.api.webhook.receive?provider={quote(PROVIDER)}"
	headers = {"Content-Type": "application/json", "Host": site}
	webhook = _run(
		url,
		{**headers, "X-Telephony-Token": secret},
		[
			[(webhook_path, event) for event in _sequence(f"bench-{uuid.uuid4().hex[:12]}", n)]
			for n in range(calls)
		],
		concurrency,
	)
	_report("webhook", webhook, f"{calls} calls")
	rest = _run(
		url,
		{**headers, "Authorization": f"token {API_KEY}:{secret}"},
		[[("/api/resource/ToDo", {"description": f"bench {n}"})] for n in range(len(webhook[0]))],
		concurrency,
	)
	_report("REST insert (ToDo)", rest, f"{len(rest[0])} inserts")
	print(f"webhook / REST insert: {_rate(webhook) / _rate(rest):.2f}x")


def _run(url: str, headers: dict, sessions: list[list[tuple[str, dict]]], concurrency: int):
	"""Send each session's requests one after the other, `concurrency` sessions at once."""
	target = urlsplit(url)
	latencies, failures, lock = [], [], threading.Lock()
	queue = list(sessions)

	def worker():
		connection = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
		while True:
			with lock:
				if not queue:
					break
				session = queue.pop()
			for path, body in session:
				started = time.perf_counter()
				connection.request("POST", path, body=json.dumps(body), headers=headers)
				response = connection.getresponse()
				response.read()
				elapsed = (time.perf_counter() - started) * 1000
				with lock:
					latencies.append(elapsed)
					if response.status != 200:
						failures.append(response.status)

	started = time.perf_counter()
	threads = [threading.Thread(target=worker) for _ in range(concurrency)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	return latencies, failures, time.perf_counter() - started


def _rate(result) -> float:
	latencies, _failures, wall = result
	return len(latencies) / wall


def _report(label: str, result, what: str) -> None:
	latencies, failures, wall = result
	print(f"{label}: {what}, {len(latencies)} requests in {wall:.1f} s")
	print(f"  sustained: {_rate(result):.1f} requests/s; failures: {len(failures)} {sorted(set(failures))}")
	print(f"  latency: {summary(latencies)}")


def _sequence(call_id: str, n: int) -> list[dict]:
	base = {"call_id": call_id, "extension": "101"}
	return [
		{**base, "event": "ringing", "direction": "inbound", "from": f"8916{n:07d}", "to": "+74950000000"},
		{**base, "event": "answered"},
		{**base, "event": "ended"},
	]


if __name__ == "__main__":
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--url", default="http://127.0.0.1:8001")
	parser.add_argument("--site", required=True, help="site name, sent as the Host header")
	parser.add_argument("--secret", required=True)
	parser.add_argument("--calls", type=int, default=500)
	parser.add_argument("--concurrency", type=int, default=8)
	args = parser.parse_args()
	load(args.url, args.site, args.secret, args.calls, args.concurrency)
