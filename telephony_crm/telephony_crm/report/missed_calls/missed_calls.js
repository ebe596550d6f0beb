frappe.query_reports["Missed Calls"] = {
	filters: [
		...telephony_crm.reports.call_filters(),
		{ fieldname: "not_called_back", label: __("Not Called Back"), fieldtype: "Check" },
	],
};
