// A call's facts come from its telephony provider and are read-only for everyone: the form saves only
// what people may write (notes, new links), and says so.
frappe.ui.form.on("Telephony Call Log", {
	onload(frm) {
		// The recording's error is shown with the player, as text; its field would render it as HTML.
		frm.toggle_display("recording_error", false);
	},
	refresh(frm) {
		frm.disable_save();
		frm.set_intro(
			__("Recorded by {0}. Notes and links to other documents can be added.", [
				frappe.utils.escape_html(frm.doc.provider || ""),
			]),
			"blue"
		);
		show_recording(frm);
		show_numbers(frm);
		add_copy_again_button(frm);
		add_delete_recording_button(frm);
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

// Raw number -> its masked copy (Telephony Settings → Number Masking).
const MASKED_COPIES = {
	external_number: "external_number_display",
	caller_number: "caller_number_display",
	called_number: "called_number_display",
};

/** The number for those the server sends it to; its masked copy and a Call button for the others. */
function show_numbers(frm) {
	for (const [raw, copy] of Object.entries(MASKED_COPIES)) {
		frm.toggle_display(copy, !frm.doc[raw]);
	}
	// A call with a number has its masked copy (empty when numbers are hidden), never null.
	const has_number = frm.doc.external_number_display != null;
	if (frappe.boot.telephony?.masks_numbers && has_number) {
		frm.add_custom_button(__("Call"), () =>
			telephony_crm.call_record(frm.doctype, frm.docname, "external_number")
		);
	}
}

function show_recording(frm) {
	const recordings = telephony_crm.recordings;
	const $area = frm.get_field("recording_player").$wrapper;
	const playable = recordings.has_recording(frm.doc) && recordings.may_listen();
	// The form reloads whenever the call changes (the copy done, say): a player already on it keeps
	// playing.
	const shown = $area.find(".telephony-recording-player").attr("data-call") === frm.doc.name;
	if (!playable || !shown) {
		$area.empty();
	}
	if (playable && !shown) {
		$area.append(recordings.recording_player(frm.doc.name));
	}
	$area.find('[data-role="recording-error"]').remove();
	if (frm.doc.recording_error) {
		$area.append(
			`<div class="telephony-recording-error text-danger small" data-role="recording-error">
				${frappe.utils.escape_html(frm.doc.recording_error)}
			</div>`
		);
	}
}

function add_copy_again_button(frm) {
	const supervisor =
		frappe.user.has_role("Telephony Supervisor") || frappe.user.has_role("System Manager");
	// A copy with a retry pending starts again by itself.
	if (!supervisor || frm.doc.recording_status !== "Copy Failed" || frm.doc.recording_retry_at) {
		return;
	}
	frm.add_custom_button(__("Copy again"), () =>
		frappe
			.xcall("telephony_crm.api.recordings.copy_again", { call: frm.doc.name })
			.then(() => {
				frappe.show_alert({
					message: __("The recording is being copied again"),
					indicator: "blue",
				});
				frm.reload_doc();
			})
	);
}

function add_delete_recording_button(frm) {
	// Offered where the user's rights reach some recordings; the server decides for this call.
	const may_delete = Boolean(frappe.boot.telephony?.can_delete_recordings);
	if (!may_delete || !telephony_crm.recordings.has_recording(frm.doc)) {
		return;
	}
	frm.add_custom_button(__("Delete recording"), () =>
		frappe.confirm(
			__("Delete the recording of {0}, on the site and at the provider where it can be deleted?", [
				frappe.utils.escape_html(frm.doc.name),
			]),
			() =>
				frappe
					.xcall("telephony_crm.api.recordings.delete", { call: frm.doc.name })
					.then(() => {
						frappe.show_alert({ message: __("The recording was deleted"), indicator: "green" });
						frm.reload_doc();
					})
		)
	);
}
