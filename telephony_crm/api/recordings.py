"""Listening to a call's recording kept at its provider: through the app, with the call's permissions.

The provider's URL and credentials never reach the browser: the app fetches the file from the
provider's own API and streams it on.
"""

import frappe
from frappe import _
from werkzeug.wrappers import Response

from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.calls.validation import clean_text
from telephony_crm.providers import get_provider
from telephony_crm.providers.base import ProviderCommandError, WebhookRefused


@frappe.whitelist()
def download(call: str) -> Response:
	"""GET /api/method/telephony_crm.api.recordings.download?call=CALL-..."""
	doc = frappe.get_doc(CALL_DOCTYPE, call)
	doc.check_permission("read")
	if not doc.recording_id:
		raise frappe.DoesNotExistError(_("Call {0} has no recording kept at its provider").format(call))
	try:
		recording = get_provider(doc.provider, enabled_only=False).fetch_recording(doc.recording_id)
	except WebhookRefused as refusal:
		raise ProviderCommandError(refusal.message)
	response = Response(recording.chunks, content_type=recording.content_type, direct_passthrough=True)
	filename = clean_text(recording.filename) or "recording.mp3"
	response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
	if recording.size:
		response.headers["Content-Length"] = str(recording.size)
	return response
