"""Many calls' recordings in one zip, built by a background job and offered to the user who asked for it.

The zip is written on disk recording by recording, in chunks, so memory does not grow with the
recordings' size; audio is stored as it is (it does not compress). A recording at the provider is
downloaded to a file of its own first: one that breaks off half-way is left out, not half-written into
the zip. Only calls the user may read go in, and only while they have the download right; `skipped.txt`
in the zip lists the calls left out and why. The zip becomes a private File of the user's, not attached to
any call, so only they (and System Managers) can download it.
"""

import hashlib
import os
import shutil
import tempfile
import unicodedata
import zipfile
from itertools import count

import frappe
import requests
from frappe import _
from frappe.utils import escape_html, get_datetime, now, now_datetime

from telephony_crm.recordings import files
from telephony_crm.recordings.access import CALL_DOCTYPE, RecordingAccessError, check_reach
from telephony_crm.recordings.playback import local_copy_path, open_recording
from telephony_crm.recordings.state import PLAYABLE
from telephony_crm.rights.scopes import DOWNLOAD

ARCHIVE_JOB = "telephony_crm.recordings.archive.build_archive"
# Sent to the user when their archive is ready (or could not be made).
ARCHIVE_EVENT = "telephony_crm:recordings_archive"
SKIPPED_FILE = "skipped.txt"
CHUNK_BYTES = 1024 * 1024


class Skipped(Exception):
	"""A call left out of the archive; its message says why."""


def build_archive(calls: list[str], user: str) -> None:
	"""Background job: zip the recordings of `calls` that `user` may download, and tell them where it is."""
	handle, partial = tempfile.mkstemp(dir=_directory(), prefix=".call-recordings-", suffix=".partial")
	os.close(handle)
	try:
		added, skipped = _write_zip(partial, calls, user)
		file = _store(partial, user)
	except Exception as error:
		reason = (
			error.strerror
			if isinstance(error, OSError) and error.strerror
			else _("unexpected error; an administrator finds it in the Error Log")
		)
		_tell(user, _("The archive of call recordings could not be made: {0}").format(escape_html(reason)))
		raise
	finally:
		if os.path.exists(partial):
			os.remove(partial)
	title = f'<b class="subject-title">{escape_html(file.file_name)}</b>'
	if skipped:
		subject = _(
			"Your call recordings are ready to download: {0} ({1} recordings; {2} calls left out, "
			"listed in {3})"
		).format(title, added, skipped, SKIPPED_FILE)
	else:
		subject = _("Your call recordings are ready to download: {0} ({1} recordings)").format(title, added)
	_tell(user, subject, file, {"file_name": file.file_name, "recordings": added, "skipped": skipped})


def _write_zip(path: str, calls: list[str], user: str) -> tuple[int, int]:
	"""Write the zip; (recordings added, calls skipped)."""
	added, skipped = 0, []
	with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
		for name in calls:
			try:
				_add_recording(archive, name, user)
				added += 1
			except Skipped as reason:
				skipped.append(f"{_one_line(name)}: {_one_line(str(reason))}")
		if skipped:
			text = "\n".join((_("Calls left out of this archive, and why:"), *skipped, ""))
			archive.writestr(SKIPPED_FILE, text, compress_type=zipfile.ZIP_DEFLATED)
	return added, len(skipped)


def _add_recording(archive: zipfile.ZipFile, name: str, user: str) -> None:
	if not frappe.db.exists(CALL_DOCTYPE, name):
		raise Skipped(_("no such call"))
	call = frappe.get_doc(CALL_DOCTYPE, name)
	if not frappe.has_permission(CALL_DOCTYPE, "read", doc=call, user=user):
		raise Skipped(_("you may not read this call"))
	try:
		check_reach(name, DOWNLOAD, user)
	except RecordingAccessError as refusal:
		raise Skipped(str(refusal))
	if call.recording_status not in PLAYABLE:
		raise Skipped(_("the call has no recording"))
	try:
		path = local_copy_path(call)
	except frappe.DoesNotExistError as error:
		raise Skipped(str(error))
	if path:
		_add_file(archive, call, path, os.path.splitext(path)[1].lstrip(".") or "mp3", user)
		return
	handle, partial = tempfile.mkstemp(dir=_directory(), prefix=".call-recording-", suffix=".partial")
	os.close(handle)
	try:
		_add_file(archive, call, partial, _download(call, partial), user)
	finally:
		os.remove(partial)


def _download(call, path: str) -> str:
	"""Fetch the provider's recording of `call` into `path`; its extension (Skipped if that fails)."""
	writer = files.HashingWriter(path)
	try:
		recording = open_recording(call)
		for chunk in recording.chunks:
			writer.write(chunk)
		return files.checked_extension(writer, recording.size)
	except frappe.ValidationError as error:
		raise Skipped(_("the provider's recording could not be fetched: {0}").format(error))
	except requests.RequestException as error:
		raise Skipped(_("the download from the provider broke off ({0})").format(type(error).__name__))
	finally:
		writer.close()


def _add_file(archive: zipfile.ZipFile, call, path: str, extension: str, user: str) -> None:
	started = get_datetime(call.started_at or now_datetime())
	entry = zipfile.ZipInfo(files.recording_file_name(call, extension, user), started.timetuple()[:6])
	# Known up front, the size decides whether the entry needs Zip64 (over 2 GiB).
	entry.file_size = os.path.getsize(path)
	with open(path, "rb") as source, archive.open(entry, "w") as target:
		shutil.copyfileobj(source, target, CHUNK_BYTES)


def _store(partial: str, user: str):
	"""Turn the finished zip into a private File owned by `user`."""
	file_name = _claim_name(f"call-recordings-{now_datetime().strftime('%Y-%m-%d_%H-%M')}")
	path = files.private_path(file_name)
	try:
		os.replace(partial, path)
		return _insert_file(file_name, path, user)
	except Exception:
		os.remove(path)
		raise


def _insert_file(file_name: str, path: str, user: str):
	timestamp = now()
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": file_name,
			"file_url": f"/private/files/{file_name}",
			"is_private": 1,
			"folder": "Home",
			"file_size": os.path.getsize(path),
			"file_type": "ZIP",
			# Frappe deletes a File's bytes only if its hash is set and no other File shares it.
			"content_hash": _md5(path),
			"owner": user,
			"modified_by": user,
			"creation": timestamp,
			"modified": timestamp,
		}
	)
	# Frappe's insert would read the whole zip into memory: the record is written as it is.
	file.set_new_name()
	file.db_insert()
	return file


def _claim_name(stem: str) -> str:
	"""`stem.zip`, or `stem-2.zip`, ... if another archive (or File) has it; created empty at once, so
	that two jobs finishing in the same minute cannot both take it."""
	for number in count(1):
		file_name = f"{stem}.zip" if number == 1 else f"{stem}-{number}.zip"
		if frappe.db.exists("File", {"file_url": f"/private/files/{file_name}"}):
			continue
		try:
			os.close(os.open(files.private_path(file_name), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
		except FileExistsError:
			continue
		return file_name


def _md5(path: str) -> str:
	digest = hashlib.md5()
	with open(path, "rb") as source:
		while chunk := source.read(CHUNK_BYTES):
			digest.update(chunk)
	return digest.hexdigest()


def _tell(user: str, subject: str, file=None, details: dict | None = None) -> None:
	"""A desk notification (the file's link where there is one) and a realtime event, to `user` only."""
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"type": "Alert",
			"subject": subject,
			"link": file.file_url if file else None,
			"document_type": "File" if file else None,
			"document_name": file.name if file else None,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	payload = {"file_url": file.file_url if file else None, "message": subject, **(details or {})}
	frappe.publish_realtime(ARCHIVE_EVENT, payload, user=user)


def _one_line(text: str) -> str:
	"""`text` as one line of skipped.txt: a name or a provider's answer cannot add lines of its own."""
	text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
	return " ".join(text.split())[:1000]


def _directory() -> str:
	return frappe.get_site_path("private", "files")
