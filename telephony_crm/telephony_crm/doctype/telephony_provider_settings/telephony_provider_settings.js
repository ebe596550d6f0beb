// Copyright (c) 2026, Telephony CRM Developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Telephony Provider Settings", {
	refresh(frm) {
		if (frm.is_new() || !frappe.user.has_role("System Manager")) return;

		const copy = (method) => () =>
			frm.call(method).then((r) => frappe.utils.copy_to_clipboard(r.message));
		const rotate = (method, warning) => () =>
			frappe.confirm(warning, () =>
				frm.call(method).then((r) => {
					frm.reload_doc();
					frappe.utils.copy_to_clipboard(r.message);
				})
			);
		const secrets = __("Secrets");
		frm.add_custom_button(__("Copy Webhook URL with Secret"), copy("get_webhook_url_with_secret"), secrets);
		frm.add_custom_button(
			__("Rotate Webhook Secret"),
			rotate(
				"rotate_webhook_secret",
				__("The PBX will be refused until it is given the new URL. Rotate the webhook secret?")
			),
			secrets
		);
		if (frm.doc.provider_type === "Telphin") {
			frm.add_custom_button(__("Connect"), () =>
				frappe
					.xcall("telephony_crm.providers.telphin.api.connect", { provider: frm.doc.name })
					.then((message) => {
						frappe.show_alert({ message, indicator: "blue" });
						frm.reload_doc();
					})
			);
		}
		if (frm.doc.provider_type === "Generic Webhook") {
			frm.add_custom_button(__("Copy Control Secret"), copy("get_control_secret"), secrets);
			frm.add_custom_button(
				__("Rotate Control Secret"),
				rotate(
					"rotate_control_secret",
					__("The PBX will refuse commands until it is given the new secret. Rotate the control secret?")
				),
				secrets
			);
		}
	},
});
