"""Line registration at scale: what a connector's login and its registration events cost the site.

    bench --site bench.test execute telephony_crm.benchmarks.line_registration.run --kwargs "{'lines': 1000}"

Makes a provider with `lines` lines (each its own user), then times, each step a transaction as the
connector's site worker runs it (committed, so that the realtime messages go out):

- the list at login (set_provider_line_states) when every line changes (Unknown to Unregistered, then
  half of them Registered) and when none does (a reconnect);
- one ContactStatus event, through the connector's tracker and set_line_state, a line registering and
  unregistering in turn;
- an event for an endpoint that is no line (a trunk).

Use a site of its own: the data stays for the next run (`cleanup` removes it).
"""

import time

import frappe

from telephony_crm.benchmarks.stats import summary
from telephony_crm.calls.times import from_unix_seconds
from telephony_crm.lines.registration import (
	REGISTERED,
	UNREGISTERED,
	LineState,
	set_line_state,
	set_provider_line_states,
)
from telephony_crm.providers import SETTINGS_DOCTYPE
from telephony_crm.providers.asterisk.registration import RegistrationTracker

PROVIDER = "Registration Bench PBX"
USER_DOMAIN = "registration-bench.example"
FIRST_EXTENSION = 10000


def run(lines: int = 1000, events: int = 500):
	_seed(lines)
	extensions = [str(FIRST_EXTENSION + n) for n in range(lines)]
	frappe.db.sql(
		"update `tabSIP Account` set registration_status = 'Unknown', registration_since = null, "
		"registration_detail = null where provider = %s",
		PROVIDER,
	)
	frappe.db.commit()
	half = {ext: LineState(REGISTERED, f"sip:{ext}@10.0.0.1:5060 (Bench Phone)") for ext in extensions[::2]}
	for title, states in (
		("every line changes (Unknown to Unregistered)", {}),
		("half the lines register", half),
		("nothing changes (a reconnect)", half),
	):
		started = time.perf_counter()
		set_provider_line_states(PROVIDER, states, LineState(UNREGISTERED))
		frappe.db.commit()
		print(f"list at login, {lines} lines, {title}: {(time.perf_counter() - started) * 1000:.1f} ms")

	tracker = RegistrationTracker(from_unix_seconds)
	line = extensions[1]
	samples = []
	for n in range(events):
		status = "Removed" if n % 2 else "NonQualified"
		message = {"Event": "ContactStatus", "AOR": line, "EndpointName": line, "URI": f"sip:{line}@10.0.0.2"}
		started = time.perf_counter()
		change = tracker.feed({**message, "ContactStatus": status}, time.time())
		set_line_state(PROVIDER, *change)
		frappe.db.commit()
		samples.append((time.perf_counter() - started) * 1000)
	print(f"ContactStatus event, a line registering and unregistering: {summary(samples)}")

	samples = []
	for _ in range(events):
		started = time.perf_counter()
		set_line_state(PROVIDER, "trunk", LineState(REGISTERED, "sip:trunk@10.0.0.3"))
		frappe.db.commit()
		samples.append((time.perf_counter() - started) * 1000)
	print(f"event for an endpoint that is no line: {summary(samples)}")


def _seed(lines: int) -> None:
	if not frappe.db.exists(SETTINGS_DOCTYPE, PROVIDER):
		frappe.get_doc(
			{"doctype": SETTINGS_DOCTYPE, "provider_name": PROVIDER, "provider_type": "Generic Webhook"}
		).insert(ignore_permissions=True)
	have = frappe.db.count("SIP Account", {"provider": PROVIDER})
	frappe.local.conf.throttle_user_limit = 1_000_000  # Frappe refuses more than 60 new users an hour
	for n in range(have, lines):
		email = f"line-{n}@{USER_DOMAIN}"
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{"doctype": "User", "email": email, "first_name": f"Line {n}", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc(
			{
				"doctype": "SIP Account",
				"user": email,
				"provider": PROVIDER,
				"extension": str(FIRST_EXTENSION + n),
			}
		).insert(ignore_permissions=True)
	frappe.db.commit()


def cleanup() -> None:
	for name in frappe.get_all("SIP Account", {"provider": PROVIDER}, pluck="name"):
		frappe.delete_doc("SIP Account", name, ignore_permissions=True, force=True)
	for user in frappe.get_all("User", {"name": ("like", f"%@{USER_DOMAIN}")}, pluck="name"):
		frappe.delete_doc("User", user, ignore_permissions=True, force=True)
	if frappe.db.exists(SETTINGS_DOCTYPE, PROVIDER):
		frappe.delete_doc(SETTINGS_DOCTYPE, PROVIDER, ignore_permissions=True, force=True)
	frappe.db.commit()
