frappe.query_reports["Calls to Sales"] = {
	filters: [
		...telephony_crm.reports.call_filters(),
		{
			fieldname: "period",
			label: __("Period"),
			fieldtype: "Select",
			options: [
				{ value: "Day", label: __("Day") },
				{ value: "Week", label: __("Week") },
				{ value: "Month", label: __("Month") },
			],
			default: "Month",
		},
	],
};
