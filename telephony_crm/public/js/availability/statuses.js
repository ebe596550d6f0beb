// Agents' statuses as the desk shows them (telephony_crm/availability/status.py): a coloured indicator
// and the status's name. Shared by the navbar control and the Agents page (a page script, which reaches
// them as telephony_crm.availability.*).

const COLORS = {
	Available: "green",
	Busy: "red",
	Away: "yellow",
	"Do Not Disturb": "orange",
	Offline: "gray",
};

const esc = (value) => frappe.utils.escape_html(String(value ?? ""));
// Translated as the status field's options: Frappe's own words for them mean something else.
const label = (status) => __(status, null, "Telephony Agent Status");

// A dot and the status's name.
export function status_indicator(status) {
	return `<span class="indicator ${COLORS[status] || "gray"}">${esc(label(status))}</span>`;
}

// The status as a pill, for tables.
export function status_pill(status) {
	return `<span class="indicator-pill ${COLORS[status] || "gray"}">${esc(label(status))}</span>`;
}

frappe.provide("telephony_crm.availability");
Object.assign(telephony_crm.availability, { status_indicator, status_pill });
