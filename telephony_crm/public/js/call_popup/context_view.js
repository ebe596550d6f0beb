import { format_duration } from "./duration";

const esc = frappe.utils.escape_html;
const date = (value) => (value ? frappe.datetime.str_to_user(value) : "");

// What the popup lists about the caller; each row opens its record.
const SECTIONS = [
	{
		key: "sales_orders",
		doctype: "Sales Order",
		title: __("Last orders"),
		title_of: (order) => order.name,
		details: (order) => [
			date(order.transaction_date),
			format_currency(order.grand_total, order.currency),
			__(order.status),
		],
	},
	{
		key: "opportunities",
		doctype: "Opportunity",
		title: __("Open opportunities"),
		title_of: (opportunity) => opportunity.title || opportunity.name,
		details: (opportunity) => [
			opportunity.opportunity_amount
				? format_currency(opportunity.opportunity_amount, opportunity.currency)
				: "",
			__(opportunity.status),
		],
	},
	{
		key: "todos",
		doctype: "ToDo",
		title: __("Open to-dos"),
		title_of: (todo) => strip_html(todo.description) || todo.name,
		details: (todo) => [
			date(todo.date),
			todo.allocated_to && frappe.user.full_name(todo.allocated_to),
		],
	},
	{
		key: "issues",
		doctype: "Issue",
		title: __("Open issues"),
		title_of: (issue) => issue.subject || issue.name,
		details: (issue) => [__(issue.status), __(issue.priority || "")],
	},
	{
		key: "recent_calls",
		doctype: "Telephony Call Log",
		title: __("Recent calls"),
		title_of: (call) => frappe.datetime.str_to_user(call.started_at),
		details: (call) => [
			__(call.direction, null, "Telephony Call Log"),
			__(call.status, null, "Telephony Call Log"),
			format_duration(call.talk_duration),
		],
		note_of: (call) => strip_html(call.notes),
	},
];

// Quick actions: the standard new form, filled in from the call.
const NEW_DOCUMENTS = [
	{ action: "new-sales-order", doctype: "Sales Order", label: __("Sales Order") },
	{ action: "new-opportunity", doctype: "Opportunity", label: __("Opportunity") },
	{ action: "new-todo", doctype: "ToDo", label: __("ToDo") },
	{ action: "new-issue", doctype: "Issue", label: __("Issue") },
];

// For an unknown number: a new record with the number, or the number added to an existing one.
const NEW_PARTIES = [
	{ action: "new-customer", doctype: "Customer", label: __("Customer") },
	{ action: "new-lead", doctype: "Lead", label: __("Lead") },
	{ action: "new-contact", doctype: "Contact", label: __("Contact") },
];

/** The popup's body for the context get_call_context returned. */
export function render_context(context) {
	const sections = SECTIONS.map((section) =>
		render_section(section, context[section.key] || [])
	);
	return `
		${render_callback(context.callback)}
		${context.party ? "" : render_unknown_number(context.can_create)}
		${sections.join("")}
		<div class="call-popup-actions">
			${buttons(NEW_DOCUMENTS, context.can_create)}
			<button class="btn btn-xs btn-default" data-action="add-note">${esc(__("Note"))}</button>
		</div>
	`;
}

function render_section(section, rows) {
	if (!rows.length) {
		return "";
	}
	const items = rows.map((row) => {
		const details = section.details(row).filter(Boolean).join(" · ");
		const note = section.note_of?.(row);
		return `
			<a class="call-popup-item" data-name="${esc(row.name)}"
				href="${esc(frappe.utils.get_form_link(section.doctype, row.name))}">
				<span class="call-popup-item-title">${esc(section.title_of(row))}</span>
				<span class="text-muted">${esc(details)}</span>
				${note ? `<span class="call-popup-note">${esc(note)}</span>` : ""}
			</a>`;
	});
	return `
		<div class="call-popup-section" data-section="${section.key}">
			<div class="call-popup-section-title">${esc(section.title)}</div>
			${items.join("")}
		</div>`;
}

// The number's open call-back: how often it was missed, since when, and who is to call back.
function render_callback(callback) {
	if (!callback) {
		return "";
	}
	const since = frappe.datetime.str_to_user(callback.first_missed_at);
	const missed =
		callback.missed_calls === 1
			? __("Missed at {0}", [since])
			: __("Missed {0} times since {1}", [callback.missed_calls, since]);
	const assigned = callback.assigned_to
		? __("call-back assigned to {0}", [callback.assigned_to_name || callback.assigned_to])
		: __("call-back not assigned");
	const text = `${missed}, ${assigned}`;
	const line = callback.readable
		? `<a class="call-popup-item" data-name="${esc(callback.name)}"
				href="${esc(frappe.utils.get_form_link("ToDo", callback.name))}">${esc(text)}</a>`
		: `<span class="call-popup-item">${esc(text)}</span>`;
	return `
		<div class="call-popup-section" data-section="callback">
			<div class="call-popup-section-title">${esc(__("Call-back"))}</div>
			${line}
		</div>`;
}

function render_unknown_number(can_create) {
	return `
		<div class="call-popup-section" data-section="unknown_number">
			<div class="call-popup-section-title">${esc(__("Save this number"))}</div>
			<div class="call-popup-actions">
				${buttons(NEW_PARTIES, can_create)}
				<button class="btn btn-xs btn-default" data-action="link-number">
					${esc(__("Add to existing…"))}
				</button>
			</div>
		</div>`;
}

function buttons(actions, can_create) {
	const button = ({ action, label }) =>
		`<button class="btn btn-xs btn-default" data-action="${action}">+ ${esc(label)}</button>`;
	return actions
		.filter(({ doctype }) => can_create[doctype])
		.map(button)
		.join("");
}
