// Each line with a handset: green Registered, red Unregistered or Unreachable, grey Unknown (the contact
// the PBX has on hover), told live by the server (telephony_line_status).
frappe.listview_settings["SIP Account"] = {
	add_fields: ["enabled", "registration_status", "registration_since", "registration_detail"],
	get_indicator: (doc) => telephony_crm.line_status.line_indicator(doc),
	onload(listview) {
		// The rows shown take the change in place: a refresh would be dropped by the list's throttle when
		// changes come within seconds of each other.
		frappe.realtime.on(telephony_crm.line_status.LINE_STATUS_EVENT, (line) => {
			const doc = listview.data?.find((row) => row.name === line.line);
			if (doc) {
				telephony_crm.line_status.apply_to_doc(doc, line);
				listview.render_list();
			}
		});
	},
};
