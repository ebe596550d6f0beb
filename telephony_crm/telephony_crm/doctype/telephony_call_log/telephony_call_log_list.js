frappe.listview_settings["Telephony Call Log"] = {
	// The number, for those the server sends it to (the others get the masked copy alone).
	add_fields: ["recording_status", "external_number"],
	formatters: {
		external_number_display: (value, df, doc) =>
			frappe.utils.escape_html(doc.external_number || value || ""),
		// In the call log's own words: its options are translated with the doctype as context, as the
		// form does (Frappe's words for Ringing or Completed mean something else).
		status: status_pill,
	},
	// Each call with a recording plays it in a small dialog, without leaving the list.
	button: {
		show: (doc) =>
			telephony_crm.recordings.has_recording(doc) && telephony_crm.recordings.may_listen(),
		get_label: () => frappe.utils.icon("es-solid-play", "xs"),
		get_description: () => frappe.utils.escape_html(__("Play the recording")),
		action: (doc) => telephony_crm.recordings.play_in_dialog(doc.name),
	},
	onload(listview) {
		if (frappe.boot.telephony?.masks_numbers) {
			// Masked users may not filter by the number (the server refuses it).
			listview.page.fields_dict.external_number?.$wrapper.hide();
		}
		if (!telephony_crm.recordings.may_download()) {
			return;
		}
		listview.page.add_actions_menu_item(__("Download recordings"), () =>
			request_archive(listview.get_checked_items(true))
		);
	},
};

function status_pill(status) {
	const esc = frappe.utils.escape_html;
	return `<span class="filterable indicator-pill ${frappe.utils.guess_colour(status)} ellipsis"
		data-filter="status,=,${esc(status)}">
		<span class="ellipsis">${esc(__(status, null, "Telephony Call Log"))}</span>
	</span>`;
}

function request_archive(calls) {
	return frappe
		.xcall("telephony_crm.api.recording_archive.request_archive", {
			calls: JSON.stringify(calls),
		})
		.then((answer) => {
			const message = typeof answer === "string" ? answer : answer?.message;
			if (message) {
				frappe.msgprint(frappe.utils.escape_html(message));
			}
		});
}
