import frappe


def boot_session(bootinfo):
	"""What the desk needs before the first call: whether to show popups, and where."""
	if frappe.session.user == "Guest":
		return
	settings = frappe.get_cached_doc("Telephony Settings")
	bootinfo.telephony = {
		"popups_enabled": bool(settings.popups_enabled),
		"popup_bottom_offset": settings.popup_bottom_offset or 0,
		"realtime_event": "telephony_crm:call",
	}
