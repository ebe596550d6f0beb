"""The recording settings of a provider, checked on save."""

import frappe
from frappe import _
from frappe.utils import escape_html

from telephony_crm.providers import provider_class
from telephony_crm.providers.recording_fetch import host_and_port


def check_recording_settings(settings) -> None:
	if settings.delete_recordings_at_provider and not settings.copy_recordings:
		settings.delete_recordings_at_provider = 0  # nothing is deleted that was not copied first
	if settings.delete_recordings_at_provider:
		refusal = provider_class(settings.provider_type)(settings).recording_deletion_refusal()
		if refusal:
			frappe.throw(refusal, title=_("Recordings cannot be deleted at this provider"))
	for entry in (settings.recording_hosts or "").split():
		if not host_and_port(entry, "https")[0]:
			frappe.throw(_("Recording Hosts: {0} is not a host or host:port").format(escape_html(entry)))
