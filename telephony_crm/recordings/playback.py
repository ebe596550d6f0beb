"""Serving a call's recording to a listener: the site's copy from disk, or the provider's file streamed
through the site. Range requests are answered (seeking); the provider's URL never reaches the browser."""

import os

import frappe
import requests
from frappe import _
from werkzeug.utils import send_file
from werkzeug.wrappers import Response

from telephony_crm.calls.validation import clean_text
from telephony_crm.providers import get_provider
from telephony_crm.providers.base import ProviderCommandError, Recording, WebhookRefused
from telephony_crm.providers.http import TIMEOUT_SECONDS
from telephony_crm.providers.recording_fetch import range_header, streamed_recording
from telephony_crm.recordings.files import CONTENT_TYPES, recording_file_name
from telephony_crm.recordings.state import ON_SITE, PLAYABLE


def recording_response(call, as_attachment: bool = False) -> Response:
	request = frappe.local.request
	path = local_copy_path(call)
	if path:
		extension = os.path.splitext(path)[1].lstrip(".")
		return send_file(
			path,
			request.environ,
			mimetype=CONTENT_TYPES.get(extension, "application/octet-stream"),
			as_attachment=as_attachment,
			download_name=os.path.basename(path),
			conditional=True,
			max_age=0,
		)
	recording = open_recording(call, request.headers.get("Range"))
	response = Response(
		recording.chunks,
		status=206 if recording.content_range else 200,
		content_type=recording.content_type,
		direct_passthrough=True,
	)
	if recording.content_range:
		response.headers["Content-Range"] = recording.content_range
		response.headers["Accept-Ranges"] = "bytes"
	if recording.size:
		response.headers["Content-Length"] = str(recording.size)
	extension = os.path.splitext(clean_text(recording.filename) or "")[1].lstrip(".") or "mp3"
	disposition = "attachment" if as_attachment else "inline"
	response.headers["Content-Disposition"] = (
		f'{disposition}; filename="{recording_file_name(call, extension)}"'
	)
	response.headers["Cache-Control"] = "private, no-store"
	return response


def local_copy_path(call) -> str | None:
	"""The site's copy on this server's disk; None when there is none, or a storage app keeps it."""
	if call.recording_status != ON_SITE:
		return None
	file_url = _copy_url(call)
	if _is_remote(file_url):
		return None
	path = frappe.get_site_path(*file_url.strip("/").split("/"))
	if not os.path.isfile(path):
		raise _missing_copy(call)
	return path


def open_recording(call, byte_range: str | None = None) -> Recording:
	"""The call's recording as a stream from where it is kept, other than this server's disk: a storage
	app's copy, or the provider's file."""
	if call.recording_status == ON_SITE:
		# The URL the storage app gave the File (never one a request named).
		response = requests.get(
			_copy_url(call),
			headers=range_header(byte_range),
			stream=True,
			timeout=TIMEOUT_SECONDS,
			allow_redirects=False,
		)
		if not response.ok:
			response.close()
			raise _missing_copy(call)
		return streamed_recording(response)
	if call.recording_status not in PLAYABLE:
		raise frappe.DoesNotExistError(_("Call {0} has no recording").format(call.name))
	return open_at_provider(call, byte_range)


def _copy_url(call) -> str:
	file_url = frappe.db.get_value("File", call.recording_file, "file_url") if call.recording_file else None
	if not file_url:
		raise _missing_copy(call)
	if not (file_url.startswith("/private/files/") or _is_remote(file_url)):
		# A storage app that serves its files through a method of its own (a relative URL).
		raise frappe.DoesNotExistError(
			_("The site's copy of the recording of {0} is kept at {1}, which the site cannot read").format(
				call.name, file_url.split("?", 1)[0]
			)
		)
	return file_url


def _is_remote(file_url: str) -> bool:
	return file_url.startswith(("http://", "https://"))


def _missing_copy(call) -> Exception:
	return frappe.DoesNotExistError(_("The site's copy of the recording of {0} is missing").format(call.name))


def open_at_provider(call, byte_range: str | None = None):
	"""The provider's file of the call's recording, as a stream (ProviderCommandError if it fails)."""
	try:
		return get_provider(call.provider, enabled_only=False).fetch_recording(call, byte_range)
	except WebhookRefused as refusal:
		raise ProviderCommandError(refusal.message)
