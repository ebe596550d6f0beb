"""Downloading many recordings as one zip: what goes in, what is left out and why, and who may ask."""

import glob
import os
import tracemalloc
import zipfile
from unittest.mock import MagicMock, patch

import frappe
from frappe.tests.utils import FrappeTestCase

from telephony_crm.api.recording_archive import MAX_CALLS, ArchiveRequestError, request_archive
from telephony_crm.recordings import files
from telephony_crm.recordings.access import RecordingAccessError
from telephony_crm.recordings.archive import ARCHIVE_EVENT, ARCHIVE_JOB, SKIPPED_FILE, build_archive
from telephony_crm.recordings.playback import open_at_provider
from telephony_crm.roles import AGENT_ROLE
from telephony_crm.tests.client import api_headers, request
from telephony_crm.tests.factories import (
	delete_calls,
	give_site_copy,
	make_provider,
	make_sip_account,
	make_user,
	recorded_call,
	role_rights,
	unique,
	unique_mobile,
)
from telephony_crm.tests.stub_recordings import StubRecordings

CALL = "Telephony Call Log"
ENDPOINT = "/api/method/telephony_crm.api.recording_archive.request_archive"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 40
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200)) * 30


def download_right(role: str, allowed: int):
	"""Telephony Settings → Role Rights: `role` may download its own calls' recordings, or none."""
	return role_rights(**{role: {"download": "Own" if allowed else "None"}})


class ArchiveCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.stub = StubRecordings().__enter__()
		cls.provider = make_provider(recording_hosts=cls.stub.host).name
		cls.agent, cls.colleague = make_user(), make_user()
		make_sip_account(cls.agent, cls.provider, "201")
		make_sip_account(cls.colleague, cls.provider, "202")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)  # and their site copies
		frappe.db.commit()
		cls.stub.__exit__(None, None, None)
		super().tearDownClass()

	def setUp(self):
		self.archives = set()

	def tearDown(self):
		frappe.set_user("Administrator")
		for name in self.archives:
			files.remove_file(name)
		frappe.db.commit()

	def ended_call(self, extension: str = "201", recording: bytes | None = None, **served) -> str:
		"""A completed call of `extension`; its recording at the stub's path of the call, if given."""
		call_id = unique("archive")
		url = self.stub.serve(f"/rec/{call_id}.mp3", recording, **served) if recording is not None else None
		return recorded_call(self.provider, url, extension, call_id, caller=unique_mobile())

	def archive(self, calls: list[str], user: str | None = None) -> dict:
		"""Run the job as a worker would; the realtime event it sent the user."""
		user = user or self.agent
		with patch("frappe.publish_realtime") as publish:
			try:
				build_archive(calls, user)
			finally:
				self.archives |= set(
					frappe.get_all("File", {"owner": user, "file_type": "ZIP"}, pluck="name")
				)
		(sent,) = [c for c in publish.call_args_list if c.args[0] == ARCHIVE_EVENT]
		self.assertEqual(sent.kwargs, {"user": user})
		return sent.args[1]

	def zip_of(self, payload: dict) -> zipfile.ZipFile:
		return zipfile.ZipFile(frappe.get_site_path(*payload["file_url"].strip("/").split("/")))

	def skipped(self, archive: zipfile.ZipFile) -> dict[str, str]:
		lines = archive.read(SKIPPED_FILE).decode().splitlines()[1:]
		return dict(line.split(": ", 1) for line in lines)

	def recording_path(self, call: str) -> str:
		return frappe.db.get_value(CALL, call, "recording_url").split(str(self.stub.server.server_port), 1)[1]


class TestArchiveContent(ArchiveCase):
	def test_site_copies_from_disk_and_others_from_the_provider(self):
		on_site = self.ended_call(recording=b"the provider's copy, never fetched")
		give_site_copy(on_site, WAV, "wav")
		at_provider = self.ended_call(recording=MP3)

		payload = self.archive([on_site, at_provider])

		site_doc, provider_doc = frappe.get_doc(CALL, on_site), frappe.get_doc(CALL, at_provider)
		with self.zip_of(payload) as archive:
			self.assertEqual(
				{entry.filename: archive.read(entry) for entry in archive.infolist()},
				{
					files.recording_file_name(site_doc, "wav"): WAV,
					files.recording_file_name(provider_doc, "mp3"): MP3,
				},
			)
			self.assertEqual({e.compress_type for e in archive.infolist()}, {zipfile.ZIP_STORED})
		self.assertRegex(
			files.recording_file_name(provider_doc, "mp3"),
			rf"^{at_provider}_\+?7916\d{{7}}_2026-03-02_10-00\.mp3$",
		)
		self.assertEqual(self.stub.requested(self.recording_path(on_site)), [])
		self.assertEqual(len(self.stub.requested(self.recording_path(at_provider))), 1)
		self.assertEqual((payload["recordings"], payload["skipped"]), (2, 0))

	def test_the_zip_is_a_private_file_of_the_user_and_they_are_notified(self):
		payload = self.archive([self.ended_call(recording=MP3)])

		file = frappe.get_doc("File", {"file_url": payload["file_url"]})
		self.assertRegex(file.file_name, r"^call-recordings-\d{4}-\d\d-\d\d_\d\d-\d\d(-\d+)?\.zip$")
		self.assertEqual((file.owner, file.is_private, file.attached_to_doctype), (self.agent, 1, None))
		self.assertEqual(payload["file_name"], file.file_name)
		frappe.set_user(self.agent)
		self.assertTrue(file.is_downloadable())
		frappe.set_user(self.colleague)
		self.assertFalse(file.is_downloadable())
		frappe.set_user("Administrator")

		note = frappe.get_last_doc("Notification Log", {"for_user": self.agent})
		self.assertEqual((note.type, note.link, note.document_name), ("Alert", file.file_url, file.name))
		self.assertIn(f'<b class="subject-title">{file.file_name}</b>', note.subject)
		self.assertEqual(payload["message"], note.subject)

	def test_two_archives_in_the_same_minute_get_their_own_files(self):
		call = self.ended_call(recording=MP3)
		first, second = self.archive([call]), self.archive([call])
		self.assertNotEqual(first["file_url"], second["file_url"])
		for payload in (first, second):
			with self.zip_of(payload) as archive:
				self.assertEqual(len(archive.namelist()), 1)

	def test_memory_does_not_grow_with_the_recordings(self):
		big = b"ID3" + os.urandom(24 << 20)
		on_site = self.ended_call()
		give_site_copy(on_site, big, "mp3")
		at_provider = self.ended_call(recording=big)
		tracemalloc.start()
		try:
			payload = self.archive([on_site, at_provider])
			peak = tracemalloc.get_traced_memory()[1]
		finally:
			tracemalloc.stop()
		self.assertEqual(payload["recordings"], 2)
		self.assertLess(peak, 8 << 20)


class TestSkippedCalls(ArchiveCase):
	def test_each_call_left_out_is_listed_with_why(self):
		own = self.ended_call(recording=MP3)
		colleagues = self.ended_call("202", recording=MP3)
		unrecorded = self.ended_call()
		failing = self.ended_call(recording=b"", status=500)
		redirected = self.ended_call(recording=b"", location=self.stub.url("/elsewhere.mp3"), status=302)
		cut_short = self.ended_call(recording=MP3, cut_after=100)
		self.stub.serve("/elsewhere.mp3", MP3)

		payload = self.archive([own, colleagues, unrecorded, failing, redirected, cut_short, "CALL-NONE"])

		with self.zip_of(payload) as archive:
			self.assertEqual(
				set(archive.namelist()),
				{files.recording_file_name(frappe.get_doc(CALL, own), "mp3"), SKIPPED_FILE},
			)
			reasons = self.skipped(archive)
		self.assertEqual(
			{call: reason for call, reason in reasons.items() if call not in (failing, cut_short)},
			{
				colleagues: "you may not read this call",
				unrecorded: "the call has no recording",
				redirected: "the provider's recording could not be fetched: The provider answered with a "
				"redirect (HTTP 302); it was not followed",
				"CALL-NONE": "no such call",
			},
		)
		self.assertRegex(
			reasons[failing],
			r"^the provider's recording could not be fetched: Test PBX-\w+ answered HTTP 500",
		)
		self.assertEqual(
			reasons[cut_short], "the download from the provider broke off (ChunkedEncodingError)"
		)
		self.assertEqual((payload["recordings"], payload["skipped"]), (1, 6))
		self.assertIn("6 calls left out", payload["message"])
		# Not fetched for someone who may not read the call; a redirect is not followed.
		self.assertEqual(self.stub.requested(self.recording_path(colleagues)), [])
		self.assertEqual(self.stub.requested("/elsewhere.mp3"), [])

	def test_a_supervisors_archive_holds_everyones_calls(self):
		supervisor = make_user(roles=("Telephony Supervisor",), prefix="supervisor")
		calls = [self.ended_call("201", recording=MP3), self.ended_call("202", recording=MP3)]
		with self.zip_of(self.archive(calls, supervisor)) as archive:
			self.assertEqual(len(archive.namelist()), 2)

	def test_without_the_download_right_nothing_is_fetched(self):
		call = self.ended_call(recording=MP3)
		with download_right(AGENT_ROLE, 0):
			payload = self.archive([call])
		with self.zip_of(payload) as archive:
			self.assertEqual(archive.namelist(), [SKIPPED_FILE])
			self.assertEqual(self.skipped(archive), {call: "You may not download call recordings"})
		self.assertEqual(self.stub.requested(self.recording_path(call)), [])

	def test_a_failed_archive_is_reported_and_leaves_nothing_behind(self):
		call = self.ended_call(recording=MP3)
		partials = os.path.join(frappe.get_site_path("private", "files"), ".call-recording*.partial")
		before = set(glob.glob(partials))
		full = OSError(28, "No space left on device")
		with patch("telephony_crm.recordings.archive.shutil.copyfileobj", side_effect=full):
			with self.assertRaises(OSError):
				self.archive([call])
		note = frappe.get_last_doc("Notification Log", {"for_user": self.agent})
		self.assertEqual(
			note.subject, "The archive of call recordings could not be made: No space left on device"
		)
		self.assertEqual(set(glob.glob(partials)), before)
		self.assertEqual(self.archives, set())


class TestArchiveRequest(ArchiveCase):
	def test_the_job_is_queued_to_run_as_the_user(self):
		calls = [self.ended_call(recording=MP3), self.ended_call(recording=MP3)]
		frappe.set_user(self.agent)
		with patch("frappe.enqueue", return_value=MagicMock(id="job-1")) as enqueue:
			answer = request_archive(frappe.as_json([calls[0], calls[1], calls[0]]))
		frappe.set_user("Administrator")
		self.assertEqual(answer["job_id"], "job-1")
		self.assertIn("2 calls", answer["message"])
		(job,) = enqueue.call_args_list
		self.assertEqual(job.args, (ARCHIVE_JOB,))
		self.assertEqual((job.kwargs["queue"], job.kwargs["user"]), ("long", self.agent))
		self.assertEqual(job.kwargs["calls"], calls)
		self.assertTrue(job.kwargs["deduplicate"])

		payload = self.archive(job.kwargs["calls"], job.kwargs["user"])
		self.assertEqual(payload["recordings"], 2)

	def test_one_archive_per_user_at_a_time(self):
		frappe.set_user(self.agent)
		with patch("frappe.enqueue", return_value=None):
			answer = request_archive([self.ended_call(recording=MP3)])
		self.assertEqual(answer["job_id"], None)
		self.assertIn("being made already", answer["message"])

	def test_users_without_the_download_right_are_refused(self):
		with download_right(AGENT_ROLE, 0):
			frappe.set_user(self.agent)
			with patch("frappe.enqueue") as enqueue, self.assertRaises(RecordingAccessError):
				request_archive(frappe.as_json([self.ended_call(recording=MP3)]))
		enqueue.assert_not_called()

	def test_bad_input_is_refused_with_a_message(self):
		frappe.set_user(self.agent)
		too_many = frappe.as_json([f"CALL-{i}" for i in range(MAX_CALLS + 1)])
		for calls, message in (
			(None, "JSON list of call names"),
			("not json", "JSON list of call names"),
			('{"name": "CALL-1"}', "JSON list of call names"),
			("[1, 2]", "JSON list of call names"),
			('["CALL-1", ""]', "JSON list of call names"),
			(frappe.as_json(["x" * 141]), "JSON list of call names"),
			("[]", "Select at least one call"),
			(too_many, f"At most {MAX_CALLS} calls"),
		):
			with self.subTest(calls=calls), patch("frappe.enqueue") as enqueue:
				with self.assertRaisesRegex(ArchiveRequestError, message):
					request_archive(calls)
				enqueue.assert_not_called()

	def test_over_http(self):
		headers = api_headers(self.agent)
		no_right = api_headers(make_user(roles=(), prefix="clerk"))
		frappe.db.commit()
		self.assertEqual(request("post", ENDPOINT, headers, json={"calls": []}).status_code, 422)
		self.assertEqual(request("post", ENDPOINT, headers, data={"calls": "nope"}).status_code, 422)
		self.assertEqual(request("get", ENDPOINT, headers, query_string={"calls": "[]"}).status_code, 403)
		refused = request("post", ENDPOINT, no_right, json={"calls": ["CALL-1"]})
		self.assertEqual(refused.status_code, 403)
		self.assertIn("You may not download call recordings", refused.get_data(as_text=True))


class TestStubRecordings(ArchiveCase):
	"""The stub recording host answers Range requests, as players ask for them."""

	def test_a_byte_range_is_answered_with_part_of_the_file(self):
		doc = frappe.get_doc(CALL, self.ended_call(recording=MP3))
		recording = open_at_provider(doc, "bytes=3-9")
		self.assertEqual(b"".join(recording.chunks), MP3[3:10])
		self.assertEqual(recording.content_range, f"bytes 3-9/{len(MP3)}")
		self.assertEqual(self.stub.requests[-1]["headers"]["Range"], "bytes=3-9")
		recording = open_at_provider(doc, "bytes=-4")
		self.assertEqual(b"".join(recording.chunks), MP3[-4:])

	def test_a_range_past_the_end_is_refused(self):
		doc = frappe.get_doc(CALL, self.ended_call(recording=MP3))
		with self.assertRaisesRegex(frappe.ValidationError, "HTTP 416"):
			open_at_provider(doc, f"bytes={len(MP3)}-")
