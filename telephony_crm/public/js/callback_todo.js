// A call-back's ToDo: "Call back" places the call through the user's line, linked to this ToDo (its
// reference), so that the call shows among the ToDo's calls and, once answered, closes it. A user whose
// numbers are masked is not sent the number (it is read at a permission level of its own): the server
// reads it from the ToDo. Every call-back counts its missed calls, so the count tells one.
const NUMBER_FIELD = "telephony_callback_number";
const COUNT_FIELD = "telephony_missed_calls";

frappe.ui.form.on("ToDo", {
	refresh(frm) {
		if (!frm.doc[COUNT_FIELD] || frm.doc.status !== "Open" || frm.is_new()) {
			return;
		}
		const number = frm.doc[NUMBER_FIELD];
		const call_back =
			number && !frappe.boot.telephony?.masks_numbers
				? () => frappe.phone_call.handler(number, frm)
				: () => telephony_crm.call_record(frm.doctype, frm.docname, NUMBER_FIELD);
		frm.add_custom_button(__("Call back"), call_back).addClass("btn-primary");
	},
});
