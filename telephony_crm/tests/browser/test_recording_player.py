"""A call's recording in the desk: played from the site's copy in the call's form, popup and list, to
those who may read the call, and refused to everyone else."""

import io
import math
import re
import struct
import wave
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from telephony_crm.recordings.state import COPY_FAILED
from telephony_crm.tests.browser.case import BrowserCase
from telephony_crm.tests.browser.desk import go_to_desk
from telephony_crm.tests.browser.fixtures import make_desk_user
from telephony_crm.tests.factories import give_site_copy, recorded_call, unique_mobile

AGENT_ROLES = ("Telephony Agent", "Sales User")
CALL = "Telephony Call Log"
# Never fetched: the tests' recordings are the site's copies.
RECORDING_URL = "https://pbx.example/rec.mp3"
STREAM_URL = "/api/method/telephony_crm.api.recordings.stream?call={}"
GETDOC = re.compile(r"/api/method/frappe\.desk\.form\.load\.getdoc(\?|$)")
MARKUP = '<img src=x onerror="window.__pwned = 1">'
# The audio's duration once the player has its metadata (or why it could not get it).
DURATION_JS = """(audio) => new Promise((resolve, reject) => {
	const failed = () => reject(new Error(`media error ${audio.error?.code}`));
	if (audio.error) return failed();
	if (audio.readyState >= 1) return resolve(audio.duration);
	audio.addEventListener("loadedmetadata", () => resolve(audio.duration), { once: true });
	audio.addEventListener("error", failed, { once: true });
})"""


def one_second_wav() -> bytes:
	"""A second of a 440 Hz tone: 8 kHz, mono, 16-bit PCM."""
	rate = 8000
	samples = (round(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(rate))
	buffer = io.BytesIO()
	with wave.open(buffer, "wb") as audio:
		audio.setnchannels(1)
		audio.setsampwidth(2)
		audio.setframerate(rate)
		audio.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
	return buffer.getvalue()


def ended_call(provider: str, extension: str) -> str:
	"""A call of a few minutes ago, answered on `extension`, with a recording at its provider."""
	start = now_datetime() - timedelta(minutes=5)
	return recorded_call(provider, RECORDING_URL, extension, start=start, caller=unique_mobile())


class TestRecordingPlayer(BrowserCase):
	@classmethod
	def make_data(cls):
		cls.agent = make_desk_user(AGENT_ROLES, cls.provider, "101")
		cls.colleague = make_desk_user(AGENT_ROLES, cls.provider, "102")
		cls.supervisor = make_desk_user(("Telephony Supervisor", "System Manager"))
		cls.users += [cls.agent.name, cls.colleague.name, cls.supervisor.name]
		cls.own_call = ended_call(cls.provider, "101")
		cls.colleague_call = ended_call(cls.provider, "102")
		for call in (cls.own_call, cls.colleague_call):
			give_site_copy(call, one_second_wav(), "wav")

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.page = cls.open_desk(cls.agent)

	def setUp(self):
		go_to_desk(self.page)

	def duration(self, audio) -> float:
		return audio.evaluate(DURATION_JS)

	def test_the_agent_plays_their_call_in_its_form(self):
		go_to_desk(self.page, f"/app/telephony-call-log/{self.own_call}")
		self.page.wait_for_function("(call) => window.cur_frm?.docname === call", arg=self.own_call)
		form = self.page.locator(".page-container:visible")
		player = form.locator('[data-fieldname="recording_player"] .telephony-recording-player')
		audio = player.locator("audio")
		audio.wait_for()
		self.assertEqual(audio.get_attribute("src"), STREAM_URL.format(self.own_call))
		self.assertEqual(audio.get_attribute("preload"), "metadata")
		duration = self.duration(audio)
		self.assertAlmostEqual(duration, 1.0, delta=0.05)
		# Agents may download recordings (the rights given on install).
		download = player.locator('[data-role="recording-download"]')
		self.assertEqual(download.get_attribute("href"), f"{STREAM_URL.format(self.own_call)}&download=1")
		self.screenshot(form, "recording-player-form")

		# Players seek: the site's copy is served in ranges.
		response = self.page.request.get(STREAM_URL.format(self.own_call), headers={"Range": "bytes=0-11"})
		self.assertEqual(response.status, 206)
		self.assertEqual(response.body()[:4], b"RIFF")

	def test_a_colleagues_call_and_its_recording_are_refused(self):
		url = STREAM_URL.format(self.colleague_call)
		response = self.page.request.get(url)
		self.assertEqual(response.status, 403)
		self.assertNotIn(b"RIFF", response.body())
		self.assertEqual(self.page.evaluate("(url) => fetch(url).then((r) => r.status)", url), 403)

		with self.page.expect_response(lambda r: GETDOC.search(r.url)) as loaded:
			self.page.goto(f"/app/telephony-call-log/{self.colleague_call}")
		self.assertEqual(loaded.value.status, 403)
		self.assertFalse(
			self.page.evaluate("(call) => Boolean(locals['Telephony Call Log']?.[call])", self.colleague_call)
		)
		self.assertEqual(self.page.locator(".page-container:visible audio").count(), 0)

	def test_the_ended_calls_popup_plays_its_recording(self):
		call_id, call = self.ring(unique_mobile(), "101")
		popup = self.popup(self.page, call)
		popup.wait_for()
		self.post_event(event="answered", call_id=call_id, extension="101")
		self.post_event(event="ended", call_id=call_id)
		self.popup(self.page, call, "Completed").wait_for()
		self.assertEqual(popup.locator("audio").count(), 0)

		frappe.db.rollback()  # see the call the web server committed
		give_site_copy(call, one_second_wav(), "wav")
		audio = popup.locator('[data-role="recording"] audio')
		audio.wait_for()
		self.assertAlmostEqual(self.duration(audio), 1.0, delta=0.05)
		self.screenshot(popup, "recording-player-popup")
		popup.locator('[data-action="close"]').click()

	def test_the_list_plays_a_recording_in_a_dialog(self):
		go_to_desk(self.page, "/app/telephony-call-log")
		play = self.page.locator(f'.list-row .btn-action[data-name="{self.own_call}"]')
		play.click()
		dialog = self.page.locator(".modal.show", has_text=self.own_call)
		dialog.wait_for()
		audio = dialog.locator(".telephony-recording-player audio")
		self.assertAlmostEqual(self.duration(audio), 1.0, delta=0.05)
		self.screenshot(dialog.locator(".modal-dialog"), "recording-player-list-dialog")
		dialog.locator(".btn-modal-close").click()
		audio.wait_for(state="detached")

		# Selected rows' recordings are downloaded as one archive, by those who may download.
		self.page.locator(
			f'.list-row-container:has([data-name="{self.own_call}"]) .list-row-checkbox'
		).check()
		actions = self.page.locator(".page-container:visible .actions-btn-group")
		actions.locator("> button").click()
		actions.locator(".dropdown-item", has_text="Download recordings").wait_for()

	def test_a_supervisor_copies_a_failed_recording_again(self):
		call = ended_call(self.provider, "103")
		# Given up, with an error that reached the database before its markup was removed.
		frappe.db.set_value(
			CALL,
			call,
			{
				"recording_status": COPY_FAILED,
				"recording_attempts": 7,
				"recording_retry_at": None,
				"recording_error": f"Copying the recording failed: {MARKUP}",
			},
			update_modified=False,
		)
		frappe.db.commit()
		page = self.open_desk(self.supervisor)
		self.addCleanup(page.context.close)
		go_to_desk(page, f"/app/telephony-call-log/{call}")
		page.wait_for_function("(call) => window.cur_frm?.docname === call", arg=call)
		form = page.locator(".page-container:visible")
		error = form.locator('[data-role="recording-error"]')
		self.assertIn(MARKUP, error.inner_text())
		self.assertIsNone(page.evaluate("() => window.__pwned"))

		form.get_by_role("button", name="Copy again").click()
		self.wait_for(
			lambda: not frappe.db.get_value(CALL, call, "recording_error"),
			message="the copy was not started again",
		)
		self.assertEqual(frappe.db.get_value(CALL, call, "recording_attempts"), 0)
