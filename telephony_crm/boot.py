import frappe

from telephony_crm.availability.desk import desk_boot
from telephony_crm.lines.registration import LINE_STATUS_EVENT, user_lines
from telephony_crm.masking import masks_numbers
from telephony_crm.recordings.access import may
from telephony_crm.rights.scopes import DELETE_RECORDINGS, DOWNLOAD, LISTEN
from telephony_crm.softphone.lines import browser_line_of


def boot_session(bootinfo):
	"""What the desk needs before the first call: whether to show popups, and where; whether to offer
	players, downloads and deletion of recordings (the endpoints check again); the user's status."""
	if frappe.session.user == "Guest":
		return
	settings = frappe.get_cached_doc("Telephony Settings")
	bootinfo.telephony = {
		"popups_enabled": bool(settings.popups_enabled),
		"popup_bottom_offset": settings.popup_bottom_offset or 0,
		"realtime_event": "telephony_crm:call",
		"can_listen_recordings": may(LISTEN),
		"can_download_recordings": may(DOWNLOAD),
		"can_delete_recordings": may(DELETE_RECORDINGS),
		"availability": desk_boot(frappe.session.user),
		# Whether the desk calls numbers by reference (the server has the numbers, not the browser).
		"masks_numbers": masks_numbers(),
		# Whether to load the softphone; its SIP password comes by POST (api.softphone), never here.
		"browser_line": bool(browser_line_of(frappe.session.user)),
		# The user's own lines and whether the PBX has their phones (the navbar handset).
		"line_status": {"realtime_event": LINE_STATUS_EVENT, "lines": user_lines(frappe.session.user)},
	}
