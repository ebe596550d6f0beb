import frappe

from telephony_crm.availability.desk import desk_boot
from telephony_crm.recordings.access import may
from telephony_crm.rights.scopes import DELETE_RECORDINGS, DOWNLOAD, LISTEN


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
	}
