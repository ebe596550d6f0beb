"""Copying a call's recording onto the site, then deleting it at the provider (an RQ job per call).

Nothing here runs on a webhook's request. The file streams to disk (memory does not grow with its size),
is checked (not empty, as long as the provider said, audio), becomes a private File, and only then may
the provider's copy be deleted. A failed attempt is shown on the call and tried again after a growing
pause (`BACKOFF_MINUTES`); `retry_due` (every minute) runs what is due and what a lost job left.
"""

import os

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.calls.intake import update_call
from telephony_crm.calls.validation import clean_text
from telephony_crm.providers import get_provider
from telephony_crm.recordings import files
from telephony_crm.recordings.failures import failure_reason
from telephony_crm.recordings.playback import open_at_provider
from telephony_crm.recordings.queue import queue_copy
from telephony_crm.recordings.state import AT_PROVIDER, COPY_FAILED, ON_SITE

# Pause before the 2nd, 3rd, ... attempt; after the last one the copy is given up (and can be restarted).
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720)
# A first job that has not run by then was lost (a worker restarted): the scheduler queues it again.
LOST_JOB_MINUTES = 10
RETRIES_PER_RUN = 200
SETTINGS_DOCTYPE = "Telephony Provider Settings"


def copy_recording(call: str) -> None:
	"""Copy the call's recording to the site where its provider is set to, then delete it there if
	set to. Safe to run again: each step is skipped once done."""
	doc = frappe.get_doc(CALL_DOCTYPE, call)
	settings = frappe.get_doc(SETTINGS_DOCTYPE, doc.provider)
	if doc.recording_status in (AT_PROVIDER, COPY_FAILED) and settings.copy_recordings:
		try:
			_copy(doc)
		except Exception as error:
			_failed(
				call,
				_("Copying the recording failed: {0}").format(
					failure_reason(error, _("Telephony recording copy"))
				),
			)
			return
	doc.reload()
	if (
		doc.recording_status == ON_SITE
		and doc.recording_at_provider
		and settings.delete_recordings_at_provider
	):
		_delete_at_provider(doc)


def retry_due() -> None:
	"""Scheduler: queue the copies and deletions whose pause is over, and those whose job was lost."""
	now = now_datetime()
	lost = add_to_date(now, minutes=-LOST_JOB_MINUTES)
	copying = _providers("copy_recordings")
	deleting = _providers("delete_recordings_at_provider")
	due = frappe.db.sql(
		"""select name from `tabTelephony Call Log` where recording_retry_at <= %(now)s
		union select name from `tabTelephony Call Log` where recording_status = %(at_provider)s
			and recording_attempts = 0 and ended_at < %(lost)s and provider in %(copying)s
		union select name from `tabTelephony Call Log` where recording_status = %(on_site)s
			and recording_at_provider = 1 and recording_attempts = 0 and modified < %(lost)s
			and provider in %(deleting)s
		limit %(limit)s""",
		{
			"now": now,
			"lost": lost,
			"at_provider": AT_PROVIDER,
			"on_site": ON_SITE,
			"copying": copying or ("",),
			"deleting": deleting or ("",),
			"limit": RETRIES_PER_RUN,
		},
	)
	for (name,) in due:
		queue_copy(name)


def copy_again(call: str) -> None:
	"""Start over a copy that was given up (a person asked: the attempts count from zero)."""

	def reset(doc):
		doc.recording_attempts = 0
		doc.recording_retry_at = None
		doc.recording_error = None

	update_call(call, reset, by_engine=True)
	queue_copy(call)


def _copy(doc) -> None:
	recording = open_at_provider(doc)
	partial = files.private_path(f".{doc.name}.partial")
	writer = files.HashingWriter(partial)
	try:
		for chunk in recording.chunks:
			writer.write(chunk)
	finally:
		writer.close()
	try:
		extension = files.checked_extension(writer, recording.size)
		file_name = files.store_file(doc, partial, extension, writer.size, writer.content_hash)
	finally:
		if os.path.exists(partial):
			os.remove(partial)

	kept = []

	def stored(call):
		if call.recording_status not in (AT_PROVIDER, COPY_FAILED):
			return  # removed (storage, retention) while it downloaded: the copy is not kept
		kept.append(file_name)
		call.recording_status = ON_SITE
		call.recording_file = file_name
		call.recording_size = writer.size
		call.recording_attempts = 0
		call.recording_retry_at = None
		call.recording_error = None

	try:
		update_call(doc.name, stored, by_engine=True)
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		files.remove_file(file_name)
		frappe.db.commit()
		raise
	if not kept:
		files.remove_file(file_name)
		frappe.db.commit()


def _delete_at_provider(doc) -> None:
	try:
		get_provider(doc.provider, enabled_only=False).delete_recording(doc)
	except Exception as error:
		_failed(
			doc.name,
			_("Copied; deleting it at the provider failed: {0}").format(
				failure_reason(error, _("Telephony recording copy"))
			),
		)
		return

	def deleted(call):
		call.recording_at_provider = 0
		call.recording_attempts = 0
		call.recording_retry_at = None
		call.recording_error = None

	update_call(doc.name, deleted, by_engine=True)
	frappe.db.commit()


def _failed(call: str, message: str) -> None:
	frappe.db.rollback()

	def note(doc):
		if doc.recording_status not in (AT_PROVIDER, COPY_FAILED, ON_SITE):
			return  # removed meanwhile: there is nothing left to retry
		doc.recording_attempts = (doc.recording_attempts or 0) + 1
		if doc.recording_status != ON_SITE:
			doc.recording_status = COPY_FAILED
		if doc.recording_attempts <= len(BACKOFF_MINUTES):
			pause = BACKOFF_MINUTES[doc.recording_attempts - 1]
			doc.recording_retry_at = add_to_date(now_datetime(), minutes=pause)
			doc.recording_error = clean_text(message, max_length=1000)
		else:
			doc.recording_retry_at = None
			doc.recording_error = clean_text(
				_("{0} Given up after {1} attempts.").format(message, doc.recording_attempts), max_length=1000
			)

	try:
		update_call(call, note, by_engine=True)
		frappe.db.commit()
	except frappe.DoesNotExistError:
		frappe.db.rollback()  # the call was deleted meanwhile: nothing left to copy


def _providers(flag: str) -> tuple:
	return tuple(frappe.get_all(SETTINGS_DOCTYPE, filters={flag: 1}, pluck="name"))
