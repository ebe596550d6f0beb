frappe.query_reports["Users Without a Line"] = {
	filters: [
		{
			fieldname: "provider",
			label: __("Provider"),
			fieldtype: "Link",
			options: "Telephony Provider Settings",
		},
	],
};
