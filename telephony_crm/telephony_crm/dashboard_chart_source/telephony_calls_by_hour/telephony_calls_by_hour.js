frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Telephony Calls by Hour"] = {
	method: "telephony_crm.telephony_crm.dashboard_chart_source.telephony_calls_by_hour.telephony_calls_by_hour.get",
	filters: [
		{
			fieldname: "provider",
			label: __("Provider"),
			fieldtype: "Link",
			options: "Telephony Provider Settings",
		},
	],
};
