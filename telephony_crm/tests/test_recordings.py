"""A call's recording end to end: listening with permission (and Range), copying onto the site with checks
and retries, deleting at the provider only after a verified copy."""

import json
import os
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from telephony_crm.recordings import copy
from telephony_crm.recordings.files import private_path
from telephony_crm.recordings.retention import apply_retention
from telephony_crm.recordings.settings import check_recording_settings
from telephony_crm.recordings.state import AT_PROVIDER, COPY_FAILED, ON_SITE, REMOVED
from telephony_crm.recordings.storage import storage_report
from telephony_crm.roles import AGENT_ROLE, SUPERVISOR_ROLE
from telephony_crm.tests.client import api_headers, request
from telephony_crm.tests.factories import (
	delete_calls,
	make_provider,
	make_sip_account,
	make_user,
	recorded_call,
	role_rights,
	telephony_settings,
	unique,
)
from telephony_crm.tests.stub_pbx import StubPBX
from telephony_crm.tests.stub_recordings import StubRecordings

CALL = "Telephony Call Log"
STREAM = "/api/method/telephony_crm.api.recordings.stream"
# An MPEG audio frame header, then payload: enough for the copy's check of the first bytes.
AUDIO = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 40


# The storage app the next test installs: it keeps a File's bytes on the stub host.
STORAGE_APP: dict = {}


def keep_in_storage_app(file):
	"""A `write_file` hook like an S3 app's: the bytes go elsewhere, the File gets their URL."""
	file.file_url = STORAGE_APP["host"].serve(f"/bucket/{file.file_name}", file._content)
	return {"file_name": file.file_name, "file_url": file.file_url}


class RecordingCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.host = StubRecordings().__enter__()
		cls.pbx = StubPBX().__enter__()
		cls.provider = make_provider(
			recording_hosts=cls.host.host, control_url=cls.pbx.url, copy_recordings=1
		).name
		cls.agent, cls.colleague = make_user(), make_user()
		cls.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		make_sip_account(cls.agent, cls.provider, "201")
		make_sip_account(cls.colleague, cls.provider, "202")
		cls.headers = {user: api_headers(user) for user in (cls.agent, cls.colleague, cls.supervisor)}
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)
		frappe.db.commit()
		cls.host.__exit__(None, None, None)
		cls.pbx.__exit__(None, None, None)
		super().tearDownClass()

	def ended_call(self, extension: str = "201", data: bytes | None = AUDIO, path: str | None = None) -> str:
		"""An answered call that ended with its recording at the stub host; returns the call's name."""
		call_id = unique("rec")
		path = path or f"/rec/{call_id}.mp3"
		if data is not None:
			self.host.serve(path, data)
		with patch("telephony_crm.recordings.queue.frappe.enqueue") as enqueue:
			name = recorded_call(self.provider, self.host.url(path), extension, call_id)
		self.assertEqual(enqueue.call_args.kwargs["call"], name, "the copy was not queued")
		return name

	def stored(self, call: str):
		frappe.db.commit()  # a fresh view: requests of the test wrote in their own transactions
		return frappe.get_doc(CALL, call)

	def stream(self, call: str, user: str, download: bool = False, range_header: str | None = None):
		headers = dict(self.headers[user])
		if range_header:
			headers["Range"] = range_header
		query = {"call": call, **({"download": 1} if download else {})}
		return request("get", STREAM, headers, query_string=query)


class TestListening(RecordingCase):
	def test_an_agent_hears_their_own_call_from_the_provider_and_can_seek(self):
		call = self.ended_call()
		whole = self.stream(call, self.agent)
		self.assertEqual(whole.status_code, 200, whole.get_data()[:300])
		self.assertEqual(whole.get_data(), AUDIO)
		self.assertEqual(whole.headers["Content-Type"], "audio/mpeg")
		part = self.stream(call, self.agent, range_header="bytes=100-199")
		self.assertEqual(part.status_code, 206)
		self.assertEqual(part.get_data(), AUDIO[100:200])
		self.assertEqual(part.headers["Content-Range"], f"bytes 100-199/{len(AUDIO)}")
		# Nothing tells the browser where the provider keeps it.
		for response in (whole, part):
			self.assertNotIn(self.host.host, json.dumps(dict(response.headers)))

	def test_the_providers_url_is_not_shown_to_people(self):
		call = self.ended_call()
		for user in (self.agent, self.supervisor):
			response = request("get", f"/api/resource/{CALL}/{call}", self.headers[user])
			self.assertEqual(response.status_code, 200)
			body = response.get_data(as_text=True)
			self.assertNotIn(self.host.host, body)
			self.assertEqual(json.loads(body)["data"]["recording_status"], AT_PROVIDER)

	def test_someone_elses_call_is_refused(self):
		call = self.ended_call(extension="202")
		response = self.stream(call, self.agent)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(self.stream(call, self.supervisor).status_code, 200)

	def test_rights_turned_off_for_a_role_are_refused_at_the_endpoint(self):
		call = self.ended_call()
		with role_rights(
			**{
				AGENT_ROLE: {"listen": "Own", "download": "None"},
				SUPERVISOR_ROLE: {"listen": "None", "download": "None"},
			}
		):
			self.assertEqual(self.stream(call, self.agent).status_code, 200)
			refused = self.stream(call, self.agent, download=True)
			self.assertEqual(refused.status_code, 403)
			self.assertIn("may not download", refused.get_data(as_text=True))
			refused = self.stream(call, self.supervisor)
			self.assertEqual(refused.status_code, 403)
			self.assertIn("may not listen", refused.get_data(as_text=True))

	def test_a_download_is_an_attachment_with_a_clear_name(self):
		call = self.ended_call()
		response = self.stream(call, self.agent, download=True)
		self.assertEqual(response.status_code, 200)
		disposition = response.headers["Content-Disposition"]
		self.assertTrue(disposition.startswith("attachment"), disposition)
		self.assertIn(f"{call}_79161234567_2026-03-02_10-00.mp3", disposition)

	def test_a_provider_failure_is_a_message_not_a_crash(self):
		call = self.ended_call(data=None)  # the host answers 404
		response = self.stream(call, self.agent)
		self.assertEqual(response.status_code, 417, response.get_data(as_text=True))
		self.assertIn("404", response.get_data(as_text=True))

	def test_a_file_over_the_size_limit_is_not_fetched(self):
		call = self.ended_call()
		with patch("telephony_crm.providers.recording_fetch.MAX_BYTES", len(AUDIO) - 1):
			response = self.stream(call, self.agent)
		self.assertEqual(response.status_code, 417)
		self.assertIn("larger than", response.get_data(as_text=True))

	def test_a_redirect_is_not_followed(self):
		call = self.ended_call(data=None, path="/moved.mp3")
		self.host.serve("/moved.mp3", status=302, location=self.host.serve("/elsewhere.mp3", AUDIO))
		self.host.requests.clear()
		response = self.stream(call, self.agent)
		self.assertEqual(response.status_code, 417)
		self.assertIn("redirect", response.get_data(as_text=True))
		self.assertEqual(self.host.requested("/elsewhere.mp3"), [])


class TestCopyingToTheSite(RecordingCase):
	def setUp(self):
		self.host.requests.clear()
		self.pbx.commands.clear()
		frappe.db.set_value("Telephony Provider Settings", self.provider, "delete_recordings_at_provider", 0)
		frappe.db.commit()

	def test_the_copy_is_verified_stored_privately_and_served_with_ranges(self):
		call = self.ended_call()
		copy.copy_recording(call)
		doc = self.stored(call)
		self.assertEqual((doc.recording_status, doc.recording_size), (ON_SITE, len(AUDIO)))
		file = frappe.get_doc("File", doc.recording_file)
		self.assertTrue(file.is_private)
		self.assertFalse(file.attached_to_doctype, "an attachment could be downloaded bypassing the rights")
		self.assertEqual(file.file_name, f"{call}_79161234567_2026-03-02_10-00.mp3")
		with open(file.get_full_path(), "rb") as stored:
			self.assertEqual(stored.read(), AUDIO)
		self.assertTrue(doc.recording_at_provider)
		# Played from the site now, with ranges; the provider is not asked again.
		self.host.requests.clear()
		part = self.stream(call, self.agent, range_header="bytes=0-9")
		self.assertEqual((part.status_code, part.get_data()), (206, AUDIO[:10]))
		self.assertEqual(self.host.requests, [])
		# The file itself is not reachable around the rights.
		direct = request("get", file.file_url, self.headers[self.agent])
		self.assertEqual(direct.status_code, 403)

	def test_deleted_at_the_provider_only_after_the_copy(self):
		frappe.db.set_value("Telephony Provider Settings", self.provider, "delete_recordings_at_provider", 1)
		frappe.db.commit()
		call = self.ended_call()
		copy.copy_recording(call)
		doc = self.stored(call)
		self.assertEqual((doc.recording_status, doc.recording_at_provider), (ON_SITE, 0))
		[command] = self.pbx.commands
		self.assertEqual(command["json"]["action"], "delete_recording")
		self.assertEqual(command["json"]["call_id"], doc.call_id)

	def test_a_failed_copy_is_shown_retried_with_backoff_and_deletes_nothing(self):
		frappe.db.set_value("Telephony Provider Settings", self.provider, "delete_recordings_at_provider", 1)
		frappe.db.commit()
		call = self.ended_call()
		path = f"/rec/{self.stored(call).call_id}.mp3"
		self.host.serve(path, b"unavailable", "text/plain", status=503)
		copy.copy_recording(call)
		self.host.serve(path, AUDIO)
		doc = self.stored(call)
		self.assertEqual((doc.recording_status, doc.recording_attempts), (COPY_FAILED, 1))
		self.assertIn("503", doc.recording_error)
		self.assertAlmostEqual((doc.recording_retry_at - now_datetime()).total_seconds(), 60, delta=10)
		self.assertEqual(self.pbx.commands, [], "deleted at the provider without a copy")
		self.assertFalse(os.path.exists(private_path(f".{call}.partial")))
		# Due: the scheduler queues it again; this time it works.
		frappe.db.set_value(CALL, call, "recording_retry_at", now_datetime())
		frappe.db.commit()
		with patch("telephony_crm.recordings.queue.frappe.enqueue") as enqueue:
			copy.retry_due()
		self.assertIn(call, [c.kwargs["call"] for c in enqueue.call_args_list])
		copy.copy_recording(call)
		doc = self.stored(call)
		self.assertEqual(
			(doc.recording_status, doc.recording_attempts, doc.recording_error), (ON_SITE, 0, None)
		)
		self.assertEqual(len(self.pbx.commands), 1)

	def test_what_is_not_a_whole_recording_is_not_kept(self):
		cases = {
			"not audio": b"<html>login required</html>",
			"empty file": b"",
		}
		for reason, data in cases.items():
			with self.subTest(reason):
				call = self.ended_call(data=data)
				copy.copy_recording(call)
				doc = self.stored(call)
				self.assertEqual(doc.recording_status, COPY_FAILED)
				self.assertIn(reason, doc.recording_error)
				self.assertFalse(doc.recording_file)
		call = self.ended_call()
		self.host.serve(f"/rec/{self.stored(call).call_id}.mp3", AUDIO, cut_after=len(AUDIO) // 2)
		copy.copy_recording(call)
		self.assertEqual(self.stored(call).recording_status, COPY_FAILED)

	def test_the_copy_gives_up_after_the_last_pause_until_restarted(self):
		call = self.ended_call(data=None)
		for _attempt in range(len(copy.BACKOFF_MINUTES) + 1):
			copy.copy_recording(call)
		doc = self.stored(call)
		self.assertEqual(doc.recording_attempts, len(copy.BACKOFF_MINUTES) + 1)
		self.assertIsNone(doc.recording_retry_at)
		self.assertIn("Given up", doc.recording_error)
		self.host.serve(f"/rec/{doc.call_id}.mp3", AUDIO)
		response = request(
			"post",
			"/api/method/telephony_crm.api.recordings.copy_again",
			self.headers[self.agent],
			json={"call": call},
		)
		self.assertEqual(response.status_code, 403)
		with patch("telephony_crm.recordings.queue.frappe.enqueue") as enqueue:
			response = request(
				"post",
				"/api/method/telephony_crm.api.recordings.copy_again",
				self.headers[self.supervisor],
				json={"call": call},
			)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.assertEqual(enqueue.call_args.kwargs["call"], call)
		self.assertEqual(self.stored(call).recording_attempts, 0)

	def test_a_recording_from_the_provider_to_retention(self):
		"""Copied, played in ranges, deleted at the provider, counted in storage, removed by retention."""
		frappe.db.set_value("Telephony Provider Settings", self.provider, "delete_recordings_at_provider", 1)
		frappe.db.commit()
		call = self.ended_call()
		copy.copy_recording(call)
		part = self.stream(call, self.agent, range_header=f"bytes={len(AUDIO) - 10}-")
		self.assertEqual((part.status_code, part.get_data()), (206, AUDIO[-10:]))
		self.assertEqual(self.stored(call).recording_at_provider, 0)
		[provider] = [row for row in storage_report()["providers"] if row["provider"] == self.provider]
		self.assertGreaterEqual(provider["on_site_bytes"], len(AUDIO))
		path = frappe.get_doc("File", self.stored(call).recording_file).get_full_path()
		# The call started on 2026-03-02: a retention of a day removes its recording, keeps the call.
		with telephony_settings(recording_retention_days=1):
			apply_retention()
		doc = self.stored(call)
		self.assertEqual((doc.recording_status, doc.recording_file), (REMOVED, None))
		self.assertFalse(os.path.exists(path))
		self.assertEqual(self.stream(call, self.agent).status_code, 404)

	def test_a_storage_app_keeps_the_copy_and_it_is_still_played_through_the_site(self):
		STORAGE_APP["host"] = self.host
		get_hooks = frappe.get_hooks

		def hooks(hook=None, *args, **kwargs):
			write_file = ["telephony_crm.tests.test_recordings.keep_in_storage_app"]
			if hook == "write_file":
				return write_file
			found = get_hooks(hook, *args, **kwargs)
			# Frappe's File asks for all hooks at once.
			return {**found, "write_file": write_file} if hook is None else found

		# Bytes of its own: Frappe's save shares a stored file with any File of the same content.
		audio = AUDIO + unique("storage-app").encode()
		call = self.ended_call(data=audio)
		with patch("frappe.get_hooks", hooks):
			copy.copy_recording(call)
		doc = self.stored(call)
		self.assertEqual(doc.recording_status, ON_SITE)
		file_url = frappe.db.get_value("File", doc.recording_file, "file_url")
		self.assertTrue(file_url.startswith(self.host.url("/bucket/")), file_url)
		part = self.stream(call, self.agent, range_header=f"bytes={len(audio) - 10}-")
		self.assertEqual((part.status_code, part.get_data()), (206, audio[-10:]))
		self.assertNotIn("/bucket/", json.dumps(dict(part.headers)))

	def test_people_cannot_write_the_recording_state(self):
		call = self.ended_call()
		response = request(
			"put",
			f"/api/resource/{CALL}/{call}",
			self.headers[self.supervisor],
			json={"recording_status": ON_SITE, "recording_size": 1},
		)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(self.stored(call).recording_status, AT_PROVIDER)

	def test_deleting_the_call_deletes_its_copy(self):
		call = self.ended_call()
		copy.copy_recording(call)
		path = frappe.get_doc("File", self.stored(call).recording_file).get_full_path()
		frappe.delete_doc(CALL, call, ignore_permissions=True, force=True)
		frappe.db.commit()
		self.assertFalse(os.path.exists(path))


class TestDeletionSettings(FrappeTestCase):
	def test_providers_that_cannot_delete_say_why_on_save(self):
		for provider_type, reason in (("Mango Office", "cannot delete"), ("Asterisk AMI", "cannot delete")):
			doc = frappe.get_doc(
				{
					"doctype": "Telephony Provider Settings",
					"provider_name": unique("No delete"),
					"provider_type": provider_type,
					"copy_recordings": 1,
					"delete_recordings_at_provider": 1,
				}
			)
			with self.subTest(provider_type), self.assertRaisesRegex(frappe.ValidationError, reason):
				check_recording_settings(doc)
