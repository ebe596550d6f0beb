"""Caller lookup at scale: the phone index against Frappe's own get_contact_with_phone_number.

    bench --site bench.test execute telephony_crm.benchmarks.phone_lookup.run --kwargs "{'rows': 1000000}"

Fills the site with `rows` contacts (one phone each, Russian mobile numbers) and their index rows,
unless they are there already, then times both lookups on the same numbers in the same run. Use a site
of its own: the data stays for the next run (`cleanup` removes it).
"""

import random
import time

import frappe
from frappe.contacts.doctype.contact.contact import get_contact_with_phone_number

from telephony_crm.benchmarks.stats import percentile, summary
from telephony_crm.caller_id.index import INDEX_DOCTYPE
from telephony_crm.caller_id.lookup import identify
from telephony_crm.caller_id.numbers import normalize_number

PREFIX = "BENCH-"
CHUNK = 10_000
_AUDIT = ("creation", "modified", "owner", "modified_by")


def run(rows: int = 1_000_000, index_samples: int = 5000, scan_samples: int = 30, seed: int = 7):
	_fill(rows)
	rng = random.Random(seed)
	# National format, as a PBX in Russia sends it: both lookups must find +7 916 ... from 8 916 ...
	present = [f"8916{n:07d}" for n in rng.sample(range(rows), index_samples)]

	index_ms = _time(lambda n: identify(normalize_number(n, "RU")), present)
	missing_ms = _time(lambda n: identify(normalize_number(n, "RU")), [f"8925{n:07d}" for n in range(500)])
	# Frappe matches the number's tail: give it the digits it can find, as ERPNext's telephony does.
	scan_numbers = [n[1:] for n in present[:scan_samples]]
	scan_ms = _time(get_contact_with_phone_number, scan_numbers)
	scan_miss_ms = _time(get_contact_with_phone_number, ["9250000000"] * max(3, scan_samples // 10))

	print(
		f"Indexed phone rows: {frappe.db.count(INDEX_DOCTYPE):,}; Contact Phone rows: {frappe.db.count('Contact Phone'):,}"
	)
	print(f"phone index, known numbers:     {summary(index_ms)}")
	print(f"phone index, unknown numbers:   {summary(missing_ms)}")
	print(f"get_contact_with_phone_number:  {summary(scan_ms)}")
	print(f"  ... unknown numbers:          {summary(scan_miss_ms)}")
	print(f"p50 ratio (LIKE scan / index): {percentile(scan_ms, 0.5) / percentile(index_ms, 0.5):,.0f}x")
	print(f"p99 ratio (LIKE scan / index): {percentile(scan_ms, 0.99) / percentile(index_ms, 0.99):,.0f}x")


def _time(lookup, numbers) -> list[float]:
	samples = []
	for number in numbers:
		started = time.perf_counter()
		lookup(number)
		samples.append((time.perf_counter() - started) * 1000)
	return samples


def _fill(rows: int) -> None:
	existing = frappe.db.count("Contact", {"name": ("like", f"{PREFIX}%")})
	if existing >= rows:
		return
	print(f"Adding {rows - existing:,} contacts with their phones and index rows ...")
	now, user = frappe.utils.now(), "Administrator"
	audit = (now, now, user, user)
	for start in range(existing, rows, CHUNK):
		numbers = range(start, min(rows, start + CHUNK))
		frappe.db.bulk_insert(
			"Contact",
			("name", "first_name", "full_name", "status", *_AUDIT),
			[(f"{PREFIX}{n}", f"Caller {n}", f"Caller {n}", "Passive", *audit) for n in numbers],
		)
		frappe.db.bulk_insert(
			"Contact Phone",
			("name", "parent", "parenttype", "parentfield", "idx", "phone", "is_primary_phone", *_AUDIT),
			[
				(f"{PREFIX}P{n}", f"{PREFIX}{n}", "Contact", "phone_nos", 1, f"+7 916 {n:07d}", 1, *audit)
				for n in numbers
			],
		)
		frappe.db.bulk_insert(
			INDEX_DOCTYPE,
			("name", "phone", "reference_doctype", "reference_name", "title", *_AUDIT),
			[
				(f"{PREFIX}I{n}", f"+7916{n:07d}", "Contact", f"{PREFIX}{n}", f"Caller {n}", *audit)
				for n in numbers
			],
		)
		frappe.db.commit()
		print(f"  {min(rows, start + CHUNK):,}", flush=True)


def cleanup() -> None:
	for doctype, field in ((INDEX_DOCTYPE, "name"), ("Contact Phone", "name"), ("Contact", "name")):
		frappe.db.delete(doctype, {field: ("like", f"{PREFIX}%")})
	frappe.db.commit()
