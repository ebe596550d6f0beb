"""Webhook throughput and latency against a served site (gunicorn with 2 workers).

Prepare a provider with a secret of your choice, start gunicorn, then load it:

    bench --site bench.test execute telephony_crm.benchmarks.webhook_load.prepare --kwargs "{'secret': 'S3cret'}"
    cd sites && ../env/bin/gunicorn -b 127.0.0.1:8001 -w 2 -t 120 frappe.app:application --preload
    python webhook_load.py --url http://127.0.0.1:8001 --site bench.test --secret S3cret --calls 500 --concurrency 8

Each simulated call sends ringing, answered and ended, one after the other; `--concurrency` calls run at
once. Prints sustained events/s and latency percentiles per request. Uses only the standard library.
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
	frappe.db.commit()


def load(url: str, site: str, secret: str, calls: int, concurrency: int) -> None:
	target = urlsplit(url)
	path = f"/api/method/telephony_crm.api.webhook.receive?provider={quote(PROVIDER)}"
	headers = {"Content-Type": "application/json", "Host": site, "X-Telephony-Token": secret}
	latencies, failures, lock = [], [], threading.Lock()
	queue = list(range(calls))

	def worker():
		connection = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
		while True:
			with lock:
				if not queue:
					break
				n = queue.pop()
			call_id = f"bench-{uuid.uuid4().hex[:12]}"
			for event in _sequence(call_id, n):
				started = time.perf_counter()
				connection.request("POST", path, body=json.dumps(event), headers=headers)
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
	wall = time.perf_counter() - started
	print(f"{calls} calls, {len(latencies)} events in {wall:.1f} s with {concurrency} concurrent calls")
	print(
		f"sustained: {len(latencies) / wall:.1f} events/s; failures: {len(failures)} {sorted(set(failures))}"
	)
	print(f"latency: {summary(latencies)}")


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
