"""Recording storage: the report, deleting old recordings (on the site and at the provider), who may, and
the daily retention."""

import os
from datetime import datetime, timedelta
from unittest.mock import MagicMock, patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, cint, fmt_money, formatdate, now_datetime, today

from telephony_crm.api import recording_storage as api
from telephony_crm.providers.generic_webhook.control import SIGNATURE_HEADER, sign
from telephony_crm.recordings import files, storage
from telephony_crm.recordings.removal import remove_recording
from telephony_crm.recordings.retention import apply_retention
from telephony_crm.recordings.state import AT_PROVIDER, COPY_FAILED, ON_SITE, REMOVED
from telephony_crm.roles import SUPERVISOR_ROLE
from telephony_crm.tests.client import api_headers, request
from telephony_crm.tests.factories import (
	delete_calls,
	give_site_copy,
	make_provider,
	make_user,
	recorded_call,
	telephony_settings,
	unique,
)
from telephony_crm.tests.stub_pbx import StubPBX

CALL = "Telephony Call Log"
API = "/api/method/telephony_crm.api.recording_storage"


class StorageCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider().name
		frappe.db.commit()

	def setUp(self):
		self.providers = [self.provider]

	def tearDown(self):
		frappe.set_user("Administrator")
		for provider in self.providers:
			delete_calls(provider)
		frappe.db.commit()

	def recorded_call(self, started: datetime, status: str = ON_SITE, at_provider: int = 1, provider=None):
		"""A call with its recording in `status`; On Site with a real file of its own bytes."""
		provider = provider or self.provider
		call_id = unique("store")
		name = recorded_call(provider, f"https://pbx.example/rec/{call_id}.mp3", call_id=call_id)
		if status == ON_SITE:
			give_site_copy(name, b"ID3" + os.urandom(100 + len(name)))
		# The engine takes no event older than five years: the call is moved back in time.
		frappe.db.set_value(
			CALL,
			name,
			{"started_at": started, "recording_status": status, "recording_at_provider": at_provider},
		)
		frappe.db.commit()
		return name

	def path(self, call: str) -> str:
		file_name = frappe.db.get_value(CALL, call, "recording_file")
		return files.private_path(frappe.db.get_value("File", file_name, "file_name"))

	def size(self, call: str) -> int:
		return frappe.db.get_value(CALL, call, "recording_size")

	def assertRemoved(self, call: str, path: str, at_provider: int = 0):
		state = frappe.db.get_value(
			CALL, call, ["recording_status", "recording_file", "recording_size", "recording_at_provider"]
		)
		self.assertEqual(state, (REMOVED, None, 0, at_provider))
		self.assertFalse(os.path.exists(path))

	def activity_since(self, started: datetime, like: str) -> list[str]:
		return frappe.get_all(
			"Activity Log", {"subject": ("like", like), "creation": (">=", started)}, pluck="subject"
		)


class TestReport(StorageCase):
	def test_counts_and_bytes_by_month_and_provider(self):
		before = {row["month"]: row for row in storage.storage_report()["months"]}
		january = self.recorded_call(datetime(2011, 1, 10))
		february = self.recorded_call(datetime(2011, 2, 3), at_provider=0)
		self.recorded_call(datetime(2011, 2, 4), status=AT_PROVIDER)
		self.recorded_call(datetime(2011, 2, 5), status=COPY_FAILED)
		self.recorded_call(datetime(2011, 2, 6), status=REMOVED, at_provider=0)

		report = storage.storage_report()
		mine = next(row for row in report["providers"] if row["provider"] == self.provider)
		self.assertEqual(
			mine,
			{
				"provider": self.provider,
				"on_site_count": 2,
				"on_site_bytes": self.size(january) + self.size(february),
				"at_provider_count": 2,
			},
		)
		months = {row["month"]: row for row in report["months"]}
		empty = dict.fromkeys(storage.COUNTS, 0)

		def added(month):
			return {f: months[month][f] - before.get(month, empty)[f] for f in storage.COUNTS}

		self.assertEqual(
			added("2011-01"),
			{"on_site_count": 1, "on_site_bytes": self.size(january), "at_provider_count": 0},
		)
		self.assertEqual(
			added("2011-02"),
			{"on_site_count": 1, "on_site_bytes": self.size(february), "at_provider_count": 2},
		)
		self.assertGreaterEqual(report["total"]["on_site_bytes"], mine["on_site_bytes"])


class TestSizes(FrappeTestCase):
	def test_a_size_is_written_in_the_readers_language_and_number_format(self):
		language = frappe.local.lang
		frappe.local.lang = "ru"
		try:
			self.assertEqual(storage.human_size(1536), f"{fmt_money(1.5, precision=1)} КБ")
			self.assertEqual(storage.human_size(512), f"{fmt_money(512, precision=0)} Б")
		finally:
			frappe.local.lang = language


class TestDeletion(StorageCase):
	def test_preview_then_delete_older_than(self):
		old_on_site = self.recorded_call(datetime(2010, 5, 1))
		old_at_provider = self.recorded_call(datetime(2010, 6, 1), status=AT_PROVIDER)
		newer = self.recorded_call(datetime(2012, 1, 1))
		old_path, newer_path = self.path(old_on_site), self.path(newer)
		started = now_datetime()

		self.assertEqual(
			storage.preview_deletion("2011-01-01"),
			{"recordings": 2, "on_site": 1, "bytes": self.size(old_on_site)},
		)
		with patch("frappe.publish_realtime") as publish:
			storage.delete_older_than("2011-01-01", "Administrator")

		# The provider has no control URL: it cannot delete, and keeps its copies.
		self.assertRemoved(old_on_site, old_path, at_provider=1)
		self.assertEqual(frappe.db.get_value(CALL, old_at_provider, "recording_status"), REMOVED)
		self.assertEqual(frappe.db.get_value(CALL, newer, "recording_status"), ON_SITE)
		self.assertTrue(os.path.exists(newer_path))
		self.assertEqual(storage.preview_deletion("2011-01-01")["recordings"], 0)

		self.assertEqual(
			len(
				self.activity_since(
					started, f"Deleted 2 recordings older than {formatdate('2011-01-01')} (%)"
				)
			),
			1,
		)
		events = [c.args[0] for c in publish.call_args_list]
		self.assertIn("progress", events)
		self.assertEqual(events[-1], storage.DELETED_EVENT)
		self.assertEqual(publish.call_args_list[-1].kwargs["user"], "Administrator")

	def test_deleted_at_the_provider_with_a_signed_command(self):
		with StubPBX() as pbx:
			provider = make_provider(control_url=pbx.url)
			self.providers.append(provider.name)
			on_site = self.recorded_call(datetime(2010, 1, 1), provider=provider.name)
			at_provider = self.recorded_call(datetime(2010, 1, 2), status=AT_PROVIDER, provider=provider.name)
			path, size = self.path(on_site), self.size(on_site)

			self.assertEqual(remove_recording(on_site), size)
			self.assertEqual(remove_recording(at_provider), 0)
			frappe.db.commit()

		self.assertRemoved(on_site, path)
		self.assertEqual(frappe.db.get_value(CALL, at_provider, "recording_at_provider"), 0)
		call_ids = [frappe.db.get_value(CALL, call, "call_id") for call in (on_site, at_provider)]
		self.assertEqual([c["json"]["action"] for c in pbx.commands], ["delete_recording"] * 2)
		self.assertEqual([c["json"]["call_id"] for c in pbx.commands], call_ids)
		secret = provider.get_password("control_secret")
		for command in pbx.commands:
			self.assertEqual(command["headers"][SIGNATURE_HEADER], sign(command["raw"], secret))

	def test_a_provider_failure_does_not_stop_the_site_removal(self):
		with StubPBX(status=400) as pbx:
			provider = make_provider(control_url=pbx.url).name
			self.providers.append(provider)
			call = self.recorded_call(datetime(2010, 1, 1), provider=provider)
			path = self.path(call)
			remove_recording(call)
			frappe.db.commit()

		self.assertRemoved(call, path, at_provider=1)
		self.assertIn(
			"deleting it at the provider failed", frappe.db.get_value(CALL, call, "recording_error")
		)

	def test_api_queues_the_job_on_the_long_queue(self):
		yesterday = add_days(today(), -1)
		with patch("telephony_crm.api.recording_storage.frappe.enqueue") as enqueue:
			enqueue.return_value = MagicMock(id="job-1")
			self.assertEqual(api.delete_older_than(yesterday)["job_id"], "job-1")
			enqueue.return_value = None  # one is running already
			self.assertIsNone(api.delete_older_than(yesterday)["job_id"])
		self.assertEqual(enqueue.call_args.args, (storage.DELETE_JOB,))
		kwargs = enqueue.call_args.kwargs
		self.assertEqual(
			(kwargs["queue"], kwargs["before_date"], kwargs["user"], kwargs["deduplicate"]),
			("long", yesterday, "Administrator", True),
		)


class TestAccess(StorageCase):
	def test_an_agent_is_refused(self):
		agent = make_user()
		headers = api_headers(agent)
		frappe.db.commit()
		frappe.set_user(agent)
		for call in (
			api.report,
			lambda: api.preview("2011-01-01"),
			lambda: api.delete_older_than("2011-01-01"),
		):
			with self.assertRaises(frappe.PermissionError):
				call()
		response = request("get", f"{API}.report", headers)
		self.assertEqual(response.status_code, 403)
		self.assertIn("Only System Managers and Telephony Supervisors", response.get_data(as_text=True))

	def test_a_supervisor_sees_the_report(self):
		supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		headers = api_headers(supervisor)
		frappe.db.commit()
		response = request("get", f"{API}.report", headers)
		self.assertEqual(response.status_code, 200)
		self.assertIn("providers", response.get_json()["message"])

	def test_a_date_not_in_the_past_or_not_a_date_is_refused(self):
		for before in ("", "tomorrow", "2026-13-01", today(), add_days(today(), 30)):
			with self.subTest(before=before), self.assertRaises(api.StorageDateError):
				api.preview(before)
		with self.assertRaises(api.StorageDateError):
			api.delete_older_than(today())
		headers = api_headers(make_user(roles=("System Manager",), prefix="manager"))
		frappe.db.commit()
		response = request("get", f"{API}.preview", headers, query_string={"before": "soon"})
		self.assertEqual(response.status_code, 422)
		self.assertIn("YYYY-MM-DD", response.get_data(as_text=True))


class TestRetention(StorageCase):
	def setUp(self):
		super().setUp()
		self.ancient = self.recorded_call(datetime(2000, 1, 1))
		self.old = self.recorded_call(datetime(2010, 1, 1))
		self.recent = self.recorded_call(datetime.now() - timedelta(days=1))
		self.paths = {call: self.path(call) for call in (self.ancient, self.old, self.recent)}

	def retain(self, **settings):
		"""Run the retention with these settings; returns the logger's line and the new Activity Logs."""
		started = now_datetime()
		with (
			telephony_settings(**settings),
			patch("telephony_crm.recordings.retention.frappe.logger") as logger,
		):
			apply_retention()
		logger.return_value.info.assert_called_once()
		return logger.return_value.info.call_args.args[0], self.activity_since(started, "Retention%")

	def test_off_by_default_nothing_happens(self):
		meta = frappe.get_meta("Telephony Settings")
		for field in ("recording_retention_days", "call_retention_days"):
			self.assertFalse(cint(meta.get_field(field).default))
		line, logs = self.retain(recording_retention_days=0, call_retention_days=0)
		self.assertIn("removed 0 recordings", line)
		self.assertEqual(logs, [])
		for call, path in self.paths.items():
			self.assertEqual(frappe.db.get_value(CALL, call, "recording_status"), ON_SITE)
			self.assertTrue(os.path.exists(path))

	def test_recordings_only(self):
		# About 13.7 years: the recordings of 2000 and 2010 go, the calls stay.
		line, logs = self.retain(recording_retention_days=5000, call_retention_days=0)
		for call in (self.ancient, self.old):
			self.assertRemoved(call, self.paths[call], at_provider=1)
		self.assertEqual(frappe.db.get_value(CALL, self.recent, "recording_status"), ON_SITE)
		self.assertTrue(os.path.exists(self.paths[self.recent]))
		self.assertEqual(logs, [line])
		self.assertTrue(line.startswith("Retention removed 2 recordings"), line)

	def test_calls_too(self):
		# About 19 years for calls: the call of 2000 goes with its file; the one of 2010 loses its recording.
		line, logs = self.retain(recording_retention_days=5000, call_retention_days=7000)
		self.assertFalse(frappe.db.exists(CALL, self.ancient))
		self.assertFalse(os.path.exists(self.paths[self.ancient]))
		self.assertRemoved(self.old, self.paths[self.old], at_provider=1)
		self.assertTrue(os.path.exists(self.paths[self.recent]))
		self.assertEqual(logs, [line])
		self.assertTrue(line.startswith("Retention removed 1 recordings"), line)
		self.assertIn("deleted 1 calls with 1 recordings", line)
