frappe.query_reports["Call Load"] = {
	filters: [
		...telephony_crm.reports.call_filters(),
		{
			fieldname: "service_level",
			label: __("Service Level (seconds)"),
			fieldtype: "Int",
			default: 20,
		},
	],
};
