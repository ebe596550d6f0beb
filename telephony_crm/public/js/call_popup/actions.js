// What the popup's buttons do, by their data-action. Each gets the call's summary and returns a
// promise that settles once the action is done (or given up), when the popup refreshes its context.

const METHOD = "telephony_crm.api.calls";
const CONTROL = "telephony_crm.api.call_control";
// Dialog titles and ToDo descriptions are HTML: whatever the call carries is escaped into them.
const esc = frappe.utils.escape_html;

export const CALL_ACTIONS = {
	reject: (call) => frappe.xcall(`${METHOD}.reject_call`, { call: call.name }),
	transfer,
	hold: (call) => frappe.xcall(`${CONTROL}.hold`, { call: call.name }),
	resume: (call) => frappe.xcall(`${CONTROL}.resume`, { call: call.name }),
	"add-note": add_note,
	"link-number": link_number,
	"new-sales-order": (call) =>
		new_document("Sales Order", call, {
			customer: call.customer,
			contact_person: call.contact,
		}),
	"new-opportunity": (call) =>
		new_document("Opportunity", call, {
			...opportunity_party(call),
			contact_person: call.contact,
		}),
	"new-todo": (call) => {
		const [reference_type, reference_name] = party_of(call);
		return new_document("ToDo", call, {
			reference_type,
			reference_name,
			allocated_to: frappe.session.user,
			description: __("Call with {0}", [esc(call.caller_name || call.external_number || "")]),
		});
	},
	"new-issue": (call) =>
		new_document("Issue", call, { customer: call.customer, contact: call.contact }),
	"new-customer": (call) =>
		frappe.new_doc("Customer", {}, (dialog) => {
			// ERPNext's quick entry makes the customer's primary contact from its "mobile_number".
			dialog.fields_dict?.mobile_number &&
				number_of(call) &&
				dialog.set_value("mobile_number", number_of(call));
		}),
	"new-lead": (call) =>
		frappe.new_doc("Lead", number_of(call) ? { mobile_no: number_of(call) } : {}),
	"new-contact": (call) =>
		frappe.new_doc("Contact", {}, (contact) => {
			if (!number_of(call)) return;
			const phone = frappe.model.add_child(contact, "Contact Phone", "phone_nos");
			Object.assign(phone, { phone: number_of(call), is_primary_mobile_no: 1 });
		}),
};

/** The number to fill into a new record; none for a masked user, who has only its masked copy (they
 * give the number to the record with "link-number", on the server). */
function number_of(call) {
	return call.numbers_masked ? null : call.external_number;
}

/** The standard new form (or quick entry), filled in, and tied to the call. */
function new_document(doctype, call, values) {
	const filled = Object.fromEntries(Object.entries(values).filter(([, value]) => value));
	return frappe.new_doc(doctype, filled, (form_or_dialog) => {
		// The link to the call is not copied from route options (no_copy), so it is set here; when the
		// document is saved, the server adds it to the call's links.
		const doc = form_or_dialog.doc || form_or_dialog;
		doc.telephony_call = call.name;
	});
}

function party_of(call) {
	if (call.customer) return ["Customer", call.customer];
	if (call.contact) return ["Contact", call.contact];
	if (call.lead) return ["Lead", call.lead];
	return [];
}

function opportunity_party(call) {
	if (call.customer) return { opportunity_from: "Customer", party_name: call.customer };
	if (call.lead) return { opportunity_from: "Lead", party_name: call.lead };
	return {};
}

/** Pick an available colleague (and, where the provider does both, blind or attended), then transfer. */
function transfer(call) {
	return frappe.xcall(`${CONTROL}.transfer_targets`, { call: call.name }).then((agents) => {
		if (!agents.length) {
			frappe.msgprint(__("No colleague with a line on this call's provider is available now."));
			return;
		}
		const modes = [
			call.call_controls.includes("blind_transfer") && { value: "blind", label: __("Blind") },
			call.call_controls.includes("attended_transfer") && {
				value: "attended",
				label: __("Attended (speak to them first)"),
			},
		].filter(Boolean);
		return ask(
			{
				title: __("Transfer call {0}", [esc(call.name)]),
				fields: [
					{
						fieldname: "to_user",
						fieldtype: "Select",
						label: __("Colleague"),
						reqd: 1,
						// Select labels are set as HTML: names are escaped.
						options: agents.map((agent) => ({
							value: agent.user,
							label: esc(`${agent.full_name || agent.user} (${agent.extension})`),
						})),
					},
					{
						fieldname: "mode",
						fieldtype: "Select",
						label: __("Transfer"),
						reqd: 1,
						options: modes,
						default: modes[0].value,
						hidden: modes.length < 2,
					},
				],
				primary_action_label: __("Transfer"),
			},
			({ to_user, mode }) =>
				frappe.xcall(`${CONTROL}.transfer`, {
					call: call.name,
					to_user,
					attended: mode === "attended" ? 1 : 0,
				})
		);
	});
}

function add_note(call) {
	return ask(
		{
			title: __("Note on call {0}", [esc(call.name)]),
			fields: [{ fieldname: "note", fieldtype: "Small Text", label: __("Note"), reqd: 1 }],
			primary_action_label: __("Save"),
		},
		({ note }) => frappe.xcall(`${METHOD}.add_note`, { call: call.name, note })
	);
}

function link_number(call) {
	return ask(
		{
			title: __("Add {0} to a record", [esc(call.external_number || "")]),
			fields: [
				{
					fieldname: "link_doctype",
					fieldtype: "Select",
					label: __("Type"),
					options: ["Customer", "Lead", "Contact"],
					default: "Customer",
					reqd: 1,
				},
				{
					fieldname: "link_name",
					fieldtype: "Dynamic Link",
					options: "link_doctype",
					label: __("Record"),
					reqd: 1,
				},
			],
			primary_action_label: __("Add Number"),
		},
		({ link_doctype, link_name }) =>
			frappe.xcall(`${METHOD}.link_number_to_record`, {
				call: call.name,
				doctype: link_doctype,
				name: link_name,
			})
	);
}

/** A dialog whose primary action sends its values; settles when the dialog closes. */
function ask(dialog_options, send) {
	return new Promise((resolve) => {
		const dialog = new frappe.ui.Dialog({
			...dialog_options,
			primary_action: (values) => send(values).then(() => dialog.hide()),
		});
		dialog.onhide = resolve;
		dialog.show();
	});
}
