// The softphone and its SIP library are a bundle of their own, loaded for users with a browser line.
$(document).on("app_ready", () => {
	if (frappe.boot.telephony?.browser_line && window.BroadcastChannel && navigator.locks) {
		frappe.require("softphone.bundle.js");
	}
});
