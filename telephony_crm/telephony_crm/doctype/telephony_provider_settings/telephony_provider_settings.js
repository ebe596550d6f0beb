// Copyright (c) 2026, Telephony CRM Developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Telephony Provider Settings", {
	refresh(frm) {
		if (frm.is_new() || !frappe.user.has_role("System Manager")) return;

		frm.add_custom_button(__("Copy Webhook URL with Secret"), () =>
			frm.call("get_webhook_url_with_secret").then((r) => frappe.utils.copy_to_clipboard(r.message))
		);
		frm.add_custom_button(__("Rotate Secret"), () =>
			frappe.confirm(
				__("The PBX will be refused until it is given the new URL. Rotate the secret?"),
				() =>
					frm.call("rotate_webhook_secret").then((r) => {
						frm.reload_doc();
						frappe.utils.copy_to_clipboard(r.message);
					})
			)
		);
	},
});
