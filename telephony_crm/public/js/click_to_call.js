// Click-to-call: every phone number in the desk places a call through the user's SIP Account.
// ERPNext puts a call button on editable Data fields with options "Phone" once a handler is set; this
// adds one to Phone fields, to standard phone fields not marked as phones, to read-only phone values,
// and makes tel: links (contact lists) call.

frappe.provide("frappe.phone_call");

frappe.phone_call.handler = (number, frm) => place_call(number, frm);

frappe.provide("telephony_crm");

// The masked copies of a call's numbers (Telephony Settings → Number Masking): their call button
// dials the number beside them by reference, the server reading it from the call.
const MASKED_NUMBER_FIELDS = {
	"Telephony Call Log": [
		"external_number_display",
		"caller_number_display",
		"called_number_display",
	],
};

// Standard phone fields not marked as phones in their doctypes.
const UNMARKED_PHONE_FIELDS = {
	Customer: ["mobile_no"],
	Supplier: ["mobile_no"],
	Address: ["phone"],
};

function place_call(number, frm) {
	const reference =
		frm?.doc && !frm.is_new()
			? { reference_doctype: frm.doctype, reference_name: frm.docname }
			: {};
	frappe.show_alert({
		message: __("Calling {0}…", [frappe.utils.escape_html(number)]),
		indicator: "blue",
	});
	if (frappe.telephony_softphone) {
		// A browser line dials from the desk itself, the number through the server's dialling rules.
		return frappe.telephony_softphone.call(number, reference);
	}
	return frappe
		.xcall("telephony_crm.api.calls.place_call", { number, ...reference })
		.then(tell_if_failed);
}

/** Call the number in `fieldname` of a saved record: the server reads it (masked users never get
 * it) and has the PBX ring the user's line. */
telephony_crm.call_record = (doctype, name, fieldname) => {
	frappe.show_alert({ message: __("Calling…"), indicator: "blue" });
	return frappe
		.xcall("telephony_crm.api.calls.place_call_from_record", { doctype, name, fieldname })
		.then(tell_if_failed);
};

/** A call the PBX refused (the server's answer, not an error of the request) is told as a message. */
function tell_if_failed(result) {
	if (result.status === "Failed") {
		frappe.msgprint({
			title: __("The call could not be placed"),
			message: frappe.utils.escape_html(result.error),
			indicator: "red",
		});
	}
}

function is_masked_copy(df) {
	return Boolean(MASKED_NUMBER_FIELDS[df.parent]?.includes(df.fieldname));
}

function is_phone_field(df) {
	return (
		df.fieldtype === "Phone" ||
		df.options === "Phone" ||
		UNMARKED_PHONE_FIELDS[df.parent]?.includes(df.fieldname) ||
		is_masked_copy(df)
	);
}

function add_call_button(control, $container) {
	// ERPNext marks the controls it gave a button; one button per control is enough.
	control.has_icon = true;
	$container.find(".phone-btn").remove();
	$(`<span class="phone-btn">
			<a class="btn-open no-decoration" title="${frappe.utils.escape_html(__("Make a call"))}">
				${frappe.utils.icon("call")}
			</a>
		</span>`)
		.appendTo($container)
		.on("click", (event) => {
			event.preventDefault();
			event.stopPropagation();
			const frm = control.frm;
			if (is_masked_copy(control.df) && frm?.doc && !frm.is_new()) {
				telephony_crm.call_record(frm.doctype, frm.docname, control.df.fieldname);
			} else {
				place_call(control.get_value(), frm);
			}
		});
}

// Read-only phone values (a Customer's mobile number, a Sales Order's contact phone, ...).
const show_value = frappe.ui.form.ControlInput.prototype.set_disp_area;
frappe.ui.form.ControlInput.prototype.set_disp_area = function (value) {
	show_value.call(this, value);
	if (this.disp_area && this.get_value() && is_phone_field(this.df)) {
		add_call_button(this, $(this.disp_area));
	}
};

// Editable Phone fields (Frappe's "Phone" fieldtype).
frappe.ui.form.ControlPhone = class ControlPhoneWithCall extends frappe.ui.form.ControlPhone {
	async make_input() {
		await super.make_input();
		add_call_button(this, this.$wrapper.find(".control-input"));
	}
};

// Editable phone fields not marked as phones (ERPNext's class does those marked).
frappe.ui.form.ControlData = class ControlDataWithCall extends frappe.ui.form.ControlData {
	make_input() {
		super.make_input();
		if (this.df.options !== "Phone" && is_phone_field(this.df)) {
			add_call_button(this, this.$wrapper.find(".control-input"));
		}
	}
};

// Numbers rendered as links, as in the contact lists of Customers, Suppliers and Leads.
$(document).on("click", '#body a[href^="tel:"]', (event) => {
	event.preventDefault();
	const number = decodeURIComponent(
		event.currentTarget.getAttribute("href").slice("tel:".length)
	);
	const route = frappe.get_route();
	place_call(number, route[0] === "Form" ? cur_frm : null);
});
