// The filters every call report shares: the period (both days included), provider, agent, direction.
frappe.provide("telephony_crm.reports");

telephony_crm.reports.call_filters = () => [
	{
		fieldname: "from_date",
		label: __("From Date"),
		fieldtype: "Date",
		default: frappe.datetime.month_start(),
		reqd: 1,
	},
	{
		fieldname: "to_date",
		label: __("To Date"),
		fieldtype: "Date",
		default: frappe.datetime.month_end(),
		reqd: 1,
	},
	{
		fieldname: "provider",
		label: __("Provider"),
		fieldtype: "Link",
		options: "Telephony Provider Settings",
	},
	{ fieldname: "agent", label: __("Agent"), fieldtype: "Link", options: "User" },
	{
		fieldname: "direction",
		label: __("Direction"),
		fieldtype: "Select",
		options: ["", "Inbound", "Outbound", "Internal"],
	},
];
