// A call's facts come from its telephony provider and are read-only for everyone: the form saves only
// what people may write (notes, new links), and says so.
frappe.ui.form.on("Telephony Call Log", {
	refresh(frm) {
		frm.disable_save();
		frm.set_intro(
			__("Recorded by {0}. Notes and links to other documents can be added.", [
				frappe.utils.escape_html(frm.doc.provider || ""),
			]),
			"blue"
		);
	},
	notes(frm) {
		frm.enable_save();
	},
});

frappe.ui.form.on("Telephony Call Link", {
	links_add(frm) {
		frm.enable_save();
	},
});
