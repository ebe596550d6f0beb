"""Serving a call's recording to a listener: the site's copy from disk, or the provider's file streamed
through the site. Range requests are answered (seeking); the provider's URL never reaches the browser."""

import os

import frappe
from frappe import _
from werkzeug.utils import send_file
from werkzeug.wrappers import Response

from telephony_crm.calls.validation import clean_text
from telephony_crm.providers import get_provider
from telephony_crm.providers.base import ProviderCommandError, WebhookRefused
from telephony_crm.recordings.files import CONTENT_TYPES, recording_file_name
from telephony_crm.recordings.state import ON_SITE, PLAYABLE


def recording_response(call, as_attachment: bool = False) -> Response:
	request = frappe.local.request
	if call.recording_status == ON_SITE:
		path = site_copy_path(call)
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
	if call.recording_status not in PLAYABLE:
		raise frappe.DoesNotExistError(_("Call {0} has no recording").format(call.name))
	recording = open_at_provider(call, request.headers.get("Range"))
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


def site_copy_path(call) -> str:
	file_url = frappe.db.get_value("File", call.recording_file, "file_url") if call.recording_file else None
	path = frappe.get_site_path(*file_url.strip("/").split("/")) if file_url else None
	if not path or not os.path.isfile(path):
		raise frappe.DoesNotExistError(
			_("The site's copy of the recording of {0} is missing").format(call.name)
		)
	return path


def open_at_provider(call, byte_range: str | None = None):
	"""The provider's file of the call's recording, as a stream (ProviderCommandError if it fails)."""
	try:
		return get_provider(call.provider, enabled_only=False).fetch_recording(call, byte_range)
	except WebhookRefused as refusal:
		raise ProviderCommandError(refusal.message)
