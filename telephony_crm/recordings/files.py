"""Recording files on the site: their names, what kind of audio they hold, and storing one streamed.

The copy is a private File that is *not* attached to the call: Frappe lets whoever may read a document
download its attachments, which would bypass the recording rights. The call links to its File instead,
and the app's endpoints serve it.
"""

import hashlib
import os
import re

import frappe
from frappe import _
from frappe.utils import get_datetime

from telephony_crm.masking import masks_numbers

FOLDER = "Home/Telephony Recordings"

# The first bytes of each audio format a PBX writes, with the extension and type it is served as.
_SIGNATURES = (
	(
		lambda head: (
			head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
		),
		"mp3",
		"audio/mpeg",
	),
	(lambda head: head.startswith(b"RIFF") and head[8:12] == b"WAVE", "wav", "audio/wav"),
	(lambda head: head.startswith(b"OggS"), "ogg", "audio/ogg"),
	(lambda head: head.startswith(b"fLaC"), "flac", "audio/flac"),
	(lambda head: head.startswith(b"\x1aE\xdf\xa3"), "webm", "audio/webm"),
	(lambda head: head[4:8] == b"ftyp", "m4a", "audio/mp4"),
)
CONTENT_TYPES = {extension: content_type for _matches, extension, content_type in _SIGNATURES}


class NotAudioError(frappe.ValidationError):
	pass


def audio_kind(head: bytes) -> tuple[str, str]:
	"""(extension, content type) of audio starting with `head`; NotAudioError for anything else."""
	for matches, extension, content_type in _SIGNATURES:
		if matches(head):
			return extension, content_type
	raise NotAudioError(_("The provider's file is not audio (it starts with {0})").format(head[:8].hex()))


def checked_extension(writer, expected_size: int | None) -> str:
	"""The extension of the downloaded file, once it is checked whole and audio (NotAudioError)."""
	if not writer.size:
		raise NotAudioError(_("The provider sent an empty file"))
	if expected_size is not None and writer.size != expected_size:
		raise NotAudioError(
			_("The provider sent {0} bytes of {1}: the download was cut off").format(
				writer.size, expected_size
			)
		)
	extension, _content_type = audio_kind(writer.head)
	return extension


def recording_file_name(call, extension: str, user: str | None = None) -> str:
	"""`<call name>_<external number>_<YYYY-MM-DD_HH-MM>.<ext>`, safe on every file system; without
	the number for `user` (the session's) when their numbers are masked."""
	started = get_datetime(call.started_at).strftime("%Y-%m-%d_%H-%M") if call.started_at else "undated"
	if masks_numbers(user):
		return f"{call.name}_{started}.{extension}"
	number = re.sub(r"[^0-9A-Za-z]", "", call.external_number or call.caller_number or "") or "unknown"
	return f"{call.name}_{number}_{started}.{extension}"


def private_path(file_name: str) -> str:
	return frappe.get_site_path("private", "files", file_name)


def store_file(call, partial_path: str, extension: str, size: int, content_hash: str) -> str:
	"""Turn the downloaded `partial_path` into the call's private File; returns the File's name."""
	file_name = recording_file_name(call, extension)
	ensure_folder()
	if frappe.get_hooks("write_file"):
		return _store_in_storage_app(partial_path, file_name)
	os.replace(partial_path, private_path(file_name))
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": file_name,
			"file_url": f"/private/files/{file_name}",
			"is_private": 1,
			"folder": FOLDER,
			"file_size": size,
			"file_type": extension.upper(),
			"content_hash": content_hash,
		}
	)
	# Frappe's insert would read the whole file into memory to hash it: the hash was taken while it
	# streamed to disk, so the record is written as it is.
	file.set_new_name()
	file.db_insert()
	return file.name


def _store_in_storage_app(partial_path: str, file_name: str) -> str:
	"""A storage app (S3 and the like, through Frappe's `write_file` hook) takes files through Frappe's
	own save, which wants the bytes in memory: the one case where a copy is read whole."""
	with open(partial_path, "rb") as source:
		content = source.read()
	os.remove(partial_path)
	file = frappe.get_doc(
		{"doctype": "File", "file_name": file_name, "is_private": 1, "folder": FOLDER, "content": content}
	)
	file.insert(ignore_permissions=True)
	return file.name


def remove_file(file_name: str | None) -> None:
	"""Delete a recording's File and its bytes (nothing if it is gone already)."""
	file_url = frappe.db.get_value("File", file_name, "file_url") if file_name else None
	if not file_url:
		return
	frappe.delete_doc("File", file_name, ignore_permissions=True, force=True)
	# Frappe keeps the bytes while another File has the same hash, as if they shared one file on disk;
	# each recording has a file of its own.
	path = private_path(file_url.rsplit("/", 1)[1])
	if os.path.exists(path) and not frappe.db.exists("File", {"file_url": file_url}):
		os.remove(path)


def ensure_folder() -> None:
	if frappe.db.exists("File", FOLDER):
		return
	try:
		frappe.get_doc(
			{"doctype": "File", "file_name": FOLDER.rsplit("/", 1)[1], "is_folder": 1, "folder": "Home"}
		).insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		pass  # another worker's first copy made it meanwhile


class HashingWriter:
	"""Writes chunks to a file while counting and hashing them, keeping the first bytes for sniffing."""

	HEAD_BYTES = 16

	def __init__(self, path: str):
		self.path = path
		self.size = 0
		self.head = b""
		self._hash = hashlib.md5()
		self._file = open(path, "wb")

	def write(self, chunk: bytes) -> None:
		if len(self.head) < self.HEAD_BYTES:
			self.head = (self.head + chunk)[: self.HEAD_BYTES]
		self._hash.update(chunk)
		self.size += len(chunk)
		self._file.write(chunk)

	def close(self) -> None:
		self._file.close()

	@property
	def content_hash(self) -> str:
		return self._hash.hexdigest()
