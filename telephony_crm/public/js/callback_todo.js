// A call-back's ToDo: "Call back" places the call through the user's line, linked to this ToDo (its
// reference), so that the call shows among the ToDo's calls and, once answered, closes it.
frappe.ui.form.on("ToDo", {
	refresh(frm) {
		const number = frm.doc.telephony_callback_number;
		if (!number || frm.doc.status !== "Open" || frm.is_new()) {
			return;
		}
		frm.add_custom_button(__("Call back"), () => frappe.phone_call.handler(number, frm)).addClass(
			"btn-primary"
		);
	},
});
