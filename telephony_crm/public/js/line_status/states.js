// Lines' registration as the desk shows it (telephony_crm/lines/registration.py): a handset, green while
// the PBX has the line's phone, red when it has not (Unregistered) or the phone stopped answering
// (Unreachable), grey when the provider cannot tell (Unknown). Shared by the navbar handset and the SIP
// Account list and form (doctype scripts, which reach them as telephony_crm.line_status.*).

export const LINE_STATUS_EVENT = "telephony_line_status";

const COLORS = { Registered: "green", Unregistered: "red", Unreachable: "red", Unknown: "gray" };
const TEXT_CLASSES = { green: "text-success", red: "text-danger", gray: "text-muted" };

export const esc = (value) => frappe.utils.escape_html(String(value ?? ""));
// Translated as the status field's options.
export const status_label = (status) => __(status || "Unknown", null, "SIP Account");
export const status_color = (status) => COLORS[status] || "gray";

export function handset_icon(color) {
	return `<span class="telephony-handset ${TEXT_CLASSES[color] || "text-muted"}">${frappe.utils.icon(
		"call",
		"sm"
	)}</span>`;
}

// "Registered since 4 Dec 2026 18:02", for a line's row.
export function since_text(line) {
	if (!line.since) {
		return status_label(line.status);
	}
	const since = frappe.format(line.since, { fieldtype: "Datetime" }, { inline: true });
	return __("{0} since {1}", [status_label(line.status), since]);
}

// What the pointer shows over a line: its status, since when, and the contact the PBX has.
export function line_title(line) {
	return [since_text(line), line.detail].filter(Boolean).join("\n");
}

// [label html, colour, filter] for frappe.get_indicator: a handset and the status, the contact on hover.
export function line_indicator(doc) {
	if (!cint(doc.enabled)) {
		return [esc(__("Disabled")), "gray", "enabled,=,0"];
	}
	const status = doc.registration_status || "Unknown";
	const title = esc(line_title({ status, since: doc.registration_since, detail: doc.registration_detail }));
	return [
		`<span title="${title}">${handset_icon(status_color(status))} ${esc(status_label(status))}</span>`,
		status_color(status),
		`registration_status,=,${status}`,
	];
}

// The SIP Account's fields for an event's keys.
const FIELDS = { status: "registration_status", since: "registration_since", detail: "registration_detail" };
export const REGISTRATION_FIELDS = Object.values(FIELDS);

// A SIP Account's copy on the desk (a list row, a form's doc) takes an event's registration.
export function apply_to_doc(doc, line) {
	for (const [key, field] of Object.entries(FIELDS)) {
		doc[field] = line[key];
	}
}

frappe.provide("telephony_crm.line_status");
Object.assign(telephony_crm.line_status, {
	LINE_STATUS_EVENT,
	REGISTRATION_FIELDS,
	apply_to_doc,
	line_indicator,
	line_title,
	handset_icon,
});
