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
		frm.add_custom_button(__("Test a Number"), () => test_a_number(frm));
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

// What a number becomes under the provider's dialling rules, and why (nothing is dialled).
function test_a_number(frm) {
	const esc = frappe.utils.escape_html;
	const dialog = new frappe.ui.Dialog({
		title: __("Test a Number"),
		fields: [
			{ fieldname: "number", fieldtype: "Data", label: __("Number"), reqd: 1 },
			{
				fieldname: "line",
				fieldtype: "Link",
				options: "SIP Account",
				label: __("Line"),
				get_query: () => ({ filters: { provider: frm.doc.name } }),
			},
			{ fieldname: "result", fieldtype: "HTML" },
		],
		primary_action_label: __("Test"),
		primary_action(values) {
			frappe
				.xcall("telephony_crm.api.dialling.test_number", {
					provider: frm.doc.name,
					number: values.number,
					line: values.line,
				})
				.then((answer) => {
					const html = answer.refused
						? `<div class="text-danger">${esc(answer.refused)}</div>`
						: `<p><b>${esc(answer.number)}</b> (${esc(__(answer.direction || ""))})</p>
							<ol>${answer.steps.map((step) => `<li>${esc(step)}</li>`).join("")}</ol>`;
					dialog.fields_dict.result.$wrapper.html(html);
				});
		},
	});
	dialog.show();
}
