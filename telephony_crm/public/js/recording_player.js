// The player of a call's recording, wherever the desk shows one (the call's form and list, its popup).
// The site streams the recording with the call's permissions and the recording rights: the browser
// never learns where the provider keeps it.

const STREAM_METHOD = "/api/method/telephony_crm.api.recordings.stream";
// Statuses of a call whose recording can be played (telephony_crm.recordings.state.PLAYABLE).
const PLAYABLE = ["At Provider", "Copy Failed", "On Site"];

const esc = frappe.utils.escape_html;

export function has_recording(call) {
	return PLAYABLE.includes(call.recording_status);
}

// The rights of Telephony Settings → Role Rights, as the session started with them. The server
// checks them on every request; these only keep the desk from offering what it would refuse.
export function may_listen() {
	return frappe.boot.telephony?.can_listen_recordings !== false;
}

export function may_download() {
	return Boolean(frappe.boot.telephony?.can_download_recordings);
}

export function recording_url(call_name, download = false) {
	const params = new URLSearchParams({ call: call_name });
	if (download) {
		params.set("download", "1");
	}
	return `${STREAM_METHOD}?${params}`;
}

/** The player of `call_name`'s recording (a jQuery element), with a download link where allowed. */
export function recording_player(call_name) {
	const download = may_download()
		? `<a class="btn btn-xs btn-default" data-role="recording-download"
				href="${esc(recording_url(call_name, true))}" download>${esc(__("Download"))}</a>`
		: "";
	const $player = $(`
		<div class="telephony-recording-player" data-call="${esc(call_name)}">
			<audio controls preload="metadata" src="${esc(recording_url(call_name))}"></audio>
			${download}
			<div class="text-muted small hidden" data-role="recording-unavailable">
				${esc(__("The recording could not be loaded."))}
			</div>
		</div>
	`);
	// A refusal or a missing file reaches the player only as a media error (it does not bubble).
	$player.find("audio").on("error", () => {
		$player.find('[data-role="recording-unavailable"]').removeClass("hidden");
	});
	return $player;
}

/** A small dialog playing `call_name`'s recording; it stops when closed. */
export function play_in_dialog(call_name) {
	const dialog = new frappe.ui.Dialog({
		title: __("Recording of {0}", [esc(call_name)]),
		fields: [{ fieldname: "player", fieldtype: "HTML" }],
		size: "small",
	});
	const $player = recording_player(call_name);
	dialog.fields_dict.player.$wrapper.append($player);
	dialog.$wrapper.on("hidden.bs.modal", () => {
		$player.find("audio").get(0).pause();
		dialog.$wrapper.remove();
	});
	dialog.show();
	return dialog;
}

// Form and list scripts are not part of the bundle: they reach the helpers here.
frappe.provide("telephony_crm.recordings");
Object.assign(telephony_crm.recordings, {
	has_recording,
	may_listen,
	may_download,
	recording_url,
	recording_player,
	play_in_dialog,
});
