frappe.query_reports["Agent Performance"] = {
	filters: telephony_crm.reports.call_filters(),
};
