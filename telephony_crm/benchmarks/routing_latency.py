"""Routing latency on 1,000,000 indexed numbers: in the worker's process and over HTTP (goal: p99 ≤ 20 ms).

    bench --site bench.test execute telephony_crm.benchmarks.routing_latency.run \
        --kwargs "{'rows': 1000000, 'secret': 'S3cret'}"
    cd sites && ../env/bin/gunicorn -b 127.0.0.1:8001 -w 2 -t 120 frappe.app:application --preload
    python routing_latency.py --url http://127.0.0.1:8001 --site bench.test --secret S3cret --requests 5000

`run` fills the site with `rows` contacts and their index rows (as phone_lookup does, unless they are
there), makes a provider with the given secret and 20 agents with lines on it, gives 2,000 contacts an
agent as owner and 1,000 others a recent answered call with an agent, then times, on samples of each
kind of number (owned, last talked, known but nobody's, unknown):

- `route_number`: what the answer costs (index lookup, owners, last talker, line, availability);
- the endpoint's handler on a built request (secret, rate limit, JSON), as a web worker runs it.

The script (standard library only) sends the same mix to a served site, one request at a time, and
reports the latency the PBX sees, beside that of Frappe's `ping` (a guest request that does nothing). Use a site of its own: the data stays
(`cleanup` removes the agents, calls and provider; phone_lookup.cleanup the contacts).
"""

import argparse
import http.client
import json
import random
import sys
import time
from urllib.parse import urlencode, urlsplit

if __package__:
	from telephony_crm.benchmarks.stats import summary
else:  # run as a plain script
	sys.path.insert(0, __file__.rsplit("/", 1)[0])
	from stats import summary

PROVIDER = "Routing Bench PBX"
AGENTS = 20
OWNED = 2000
TALKED = 1000
PATH = "/api/method/telephony_crm.api.routing.route"


def number_of(n: int) -> str:
	"""The phone of benchmark contact n, as phone_lookup makes them (a PBX in Russia sends 8 916 ...)."""
	return f"8916{n:07d}"


def chosen_contacts(rows: int, seed: int) -> tuple[list[int], list[int]]:
	"""Which contacts (n) an agent owns and which had a call with one: the same for the site and the script."""
	chosen = random.Random(seed).sample(range(rows), OWNED + TALKED)
	return chosen[:OWNED], chosen[OWNED:]


def sample_numbers(rows: int, samples: int, seed: int) -> dict[str, list[str]]:
	"""`samples` numbers of each kind."""
	owned, talked = chosen_contacts(rows, seed)
	rng, taken = random.Random(seed + 1), set(owned) | set(talked)
	nobodys = [n for n in rng.sample(range(rows), samples * 2) if n not in taken][:samples]
	return {
		"owned (contact owner)": [number_of(n) for n in rng.choices(owned, k=samples)],
		"last talked (24 h)": [number_of(n) for n in rng.choices(talked, k=samples)],
		"known, nobody's": [number_of(n) for n in nobodys],
		"unknown number": [f"8925{n:07d}" for n in range(samples)],
	}


def run(rows: int = 1_000_000, secret: str = "S3cret", samples: int = 2000, seed: int = 11) -> None:
	import frappe
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	from telephony_crm.benchmarks.phone_lookup import _fill
	from telephony_crm.routing.route import TOKEN_HEADER, answer_route, route_number

	_fill(rows)
	_prepare(rows, secret, seed)
	kinds = sample_numbers(rows, samples, seed)
	print(
		f"Indexed phone rows: {frappe.db.count('Telephony Phone Index'):,}; calls: {frappe.db.count('Telephony Call Log'):,}"
	)
	answers = {kind: route_number(PROVIDER, numbers[0]).as_body() for kind, numbers in kinds.items()}
	print(f"sample answers: {json.dumps(answers)}")

	for kind, numbers in kinds.items():
		print(f"route_number, {kind}: {summary(_time(lambda n: route_number(PROVIDER, n), numbers))}")

	def handle(number: str):
		environ = EnvironBuilder(
			path=PATH, query_string={"provider": PROVIDER, "number": number}, headers={TOKEN_HEADER: secret}
		).get_environ()
		return answer_route(Request(environ))

	every = [n for numbers in kinds.values() for n in numbers]
	random.Random(seed + 2).shuffle(every)
	print(f"endpoint handler, all kinds mixed: {summary(_time(handle, every))}")
	frappe.db.rollback()


def _prepare(rows: int, secret: str, seed: int) -> None:
	"""The provider, its agents, owned contacts and recent answered calls."""
	import frappe

	from telephony_crm.benchmarks.phone_lookup import PREFIX
	from telephony_crm.calls.events import CallStatus, Direction, EventType
	from telephony_crm.calls.intake import commit_event
	from telephony_crm.calls.times import site_now
	from telephony_crm.tests.factories import call_event

	if not frappe.db.exists("Telephony Provider Settings", PROVIDER):
		frappe.get_doc(
			{
				"doctype": "Telephony Provider Settings",
				"provider_name": PROVIDER,
				"default_region": "Russian Federation",
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
	provider = frappe.get_doc("Telephony Provider Settings", PROVIDER)
	provider.webhook_secret = secret
	provider.save(ignore_permissions=True)
	# The load comes from one address: a limit it never reaches, so its cost is still measured.
	frappe.db.set_single_value("Telephony Settings", "webhook_rate_limit", 10**9)
	agents = []
	for i in range(AGENTS):
		email = f"routing-bench-{i}@telephony.example"
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{"doctype": "User", "email": email, "first_name": f"Agent {i}", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		if not frappe.db.exists("SIP Account", {"provider": PROVIDER, "extension": str(300 + i)}):
			frappe.get_doc(
				{"doctype": "SIP Account", "user": email, "provider": PROVIDER, "extension": str(300 + i)}
			).insert(ignore_permissions=True)
		agents.append(email)
	frappe.db.commit()

	owned, talked = chosen_contacts(rows, seed)
	for i, n in enumerate(owned):
		frappe.db.set_value("Contact", f"{PREFIX}{n}", "owner", agents[i % AGENTS], update_modified=False)
	if frappe.db.count("Telephony Call Log", {"provider": PROVIDER}) < TALKED:
		print(f"Recording {TALKED} answered calls ...")
		start = site_now().replace(microsecond=0)
		for i, n in enumerate(talked):
			call_id, extension = f"routing-bench-{n}", str(300 + i % AGENTS)
			for kind, seconds, fields in (
				(EventType.RINGING, 0, {}),
				(EventType.ANSWERED, 5, {}),
				(EventType.ENDED, 65, {"end_status": CallStatus.COMPLETED}),
			):
				commit_event(
					call_event(
						PROVIDER,
						call_id,
						kind,
						seconds,
						direction=Direction.INBOUND,
						caller=number_of(n),
						extension=extension,
						start=start,
						**fields,
					)
				)
	frappe.db.commit()


def _time(action, numbers) -> list[float]:
	samples = []
	for number in numbers:
		started = time.perf_counter()
		action(number)
		samples.append((time.perf_counter() - started) * 1000)
	return samples


def cleanup() -> None:
	import frappe

	for name in frappe.get_all("Telephony Call Log", {"provider": PROVIDER}, pluck="name"):
		frappe.delete_doc("Telephony Call Log", name, ignore_permissions=True, force=True)
	frappe.db.delete("SIP Account", {"provider": PROVIDER})
	frappe.delete_doc("Telephony Provider Settings", PROVIDER, ignore_permissions=True, force=True)
	frappe.db.commit()


def over_http(
	url: str, site: str, secret: str, requests: int, rows: int, warmup: int = 200, seed: int = 11
) -> None:
	"""Ask a served site `requests` times of each kind, one at a time, and report what the PBX waits."""
	target = urlsplit(url)
	connection = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
	headers = {"Host": site, "X-Telephony-Token": secret}
	# Served workers load modules and fill caches on their first requests; a PBX's steady stream of
	# ringing calls finds them warm, so the first requests are not counted.
	_ask(connection, headers, sample_numbers(rows, warmup, seed + 9)["unknown number"], {})
	every = []
	for kind, numbers in sample_numbers(rows, requests, seed).items():
		latencies = _ask(connection, headers, numbers, {})
		every += latencies
		print(f"HTTP json, {kind}: {summary(latencies)}")
	print(f"HTTP json, all kinds: {summary(every)}")
	mixed = [n for numbers in sample_numbers(rows, requests // 4, seed + 5).values() for n in numbers]
	print(f"HTTP text, all kinds: {summary(_ask(connection, headers, mixed, {'format': 'text'}))}")
	# Frappe's own floor: a guest request that does nothing (frappe.ping), on the same connection.
	print(
		f"HTTP frappe.ping, for comparison: {summary(_ask(connection, headers, mixed, {}, '/api/method/ping'))}"
	)


def _ask(connection, headers: dict, numbers: list[str], query: dict, path: str = PATH) -> list[float]:
	latencies, endpoint = [], path
	for number in numbers:
		path = f"{endpoint}?{urlencode({'provider': PROVIDER, 'number': number, **query})}"
		started = time.perf_counter()
		connection.request("GET", path, headers=headers)
		response = connection.getresponse()
		response.read()
		latencies.append((time.perf_counter() - started) * 1000)
		if response.status != 200:
			raise SystemExit(f"HTTP {response.status} for {path}")
	return latencies


if __name__ == "__main__":
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--url", default="http://127.0.0.1:8001")
	parser.add_argument("--site", required=True, help="site name, sent as the Host header")
	parser.add_argument("--secret", required=True)
	parser.add_argument("--requests", type=int, default=1000, help="requests of each kind of number")
	parser.add_argument("--rows", type=int, default=1_000_000, help="contacts the site was filled with")
	parser.add_argument("--warmup", type=int, default=200, help="requests sent first and not counted")
	args = parser.parse_args()
	over_http(args.url, args.site, args.secret, args.requests, args.rows, args.warmup)
