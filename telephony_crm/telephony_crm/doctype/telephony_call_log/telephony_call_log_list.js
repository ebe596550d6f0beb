frappe.listview_settings["Telephony Call Log"] = {
	add_fields: ["recording_status"],
	// Each call with a recording plays it in a small dialog, without leaving the list.
	button: {
		show: (doc) =>
			telephony_crm.recordings.has_recording(doc) && telephony_crm.recordings.may_listen(),
		get_label: () => frappe.utils.icon("es-solid-play", "xs"),
		get_description: () => frappe.utils.escape_html(__("Play the recording")),
		action: (doc) => telephony_crm.recordings.play_in_dialog(doc.name),
	},
	onload(listview) {
		if (!telephony_crm.recordings.may_download()) {
			return;
		}
		listview.page.add_actions_menu_item(__("Download recordings"), () =>
			request_archive(listview.get_checked_items(true))
		);
	},
};

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
