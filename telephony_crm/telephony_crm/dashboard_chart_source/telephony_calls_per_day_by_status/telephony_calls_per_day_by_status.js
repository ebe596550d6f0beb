frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Telephony Calls per Day by Status"] = {
	method: "telephony_crm.telephony_crm.dashboard_chart_source.telephony_calls_per_day_by_status.telephony_calls_per_day_by_status.get",
	filters: [
		{
			fieldname: "provider",
			label: __("Provider"),
			fieldtype: "Link",
			options: "Telephony Provider Settings",
		},
	],
};
