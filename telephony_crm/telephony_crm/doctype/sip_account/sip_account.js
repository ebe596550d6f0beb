// The line's registration is the provider's report: shown as the form's indicator and kept current from
// the server's telephony_line_status events, so that saving the form sends what the server has.
frappe.ui.form.on("SIP Account", {
	refresh(frm) {
		show_registration(frm);
	},
});

function show_registration(frm) {
	if (!frm.is_new()) {
		frm.page.set_indicator(...telephony_crm.line_status.line_indicator(frm.doc).slice(0, 2));
	}
}

frappe.realtime.on(telephony_crm.line_status.LINE_STATUS_EVENT, (line) => {
	const doc = locals["SIP Account"]?.[line.line];
	if (!doc) {
		return;
	}
	telephony_crm.line_status.apply_to_doc(doc, line);
	if (cur_frm?.doctype === "SIP Account" && cur_frm.doc.name === line.line) {
		telephony_crm.line_status.REGISTRATION_FIELDS.forEach((field) => cur_frm.refresh_field(field));
		if (!cur_frm.is_dirty()) {
			show_registration(cur_frm);
		}
	}
});
