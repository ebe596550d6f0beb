import { CallPopup } from "./call_popup";

// The stack of call popups at the bottom right of the desk. It lives outside the page container, so
// it stays while the agent moves between desk pages.
class CallPopups {
	constructor({ popup_bottom_offset, realtime_event }) {
		this.popups = new Map();
		this.$stack = $('<div class="telephony-call-popups"></div>')
			.css("bottom", `${cint(popup_bottom_offset)}px`)
			.appendTo(document.body);

		frappe.realtime.on(realtime_event, (call) => this.show(call));
		// Documents made from a call are saved in their forms: coming back from one, popups show them.
		frappe.router.on("change", () => this.popups.forEach((popup) => popup.reload_context()));
		// After a reload, the user's live calls come back from the server: those ringing their phone and
		// those in progress that are theirs (not every call a supervisor may read).
		frappe
			.xcall("telephony_crm.api.calls.get_active_calls")
			.then((calls) => calls.forEach((call) => this.show(call)));
	}

	show(call) {
		let popup = this.popups.get(call.name);
		if (call.answered_by && call.answered_by !== frappe.session.user) {
			// A colleague answered: the call is theirs now.
			popup?.close();
			return;
		}
		if (!popup) {
			popup = new CallPopup(() => this.popups.delete(call.name));
			this.popups.set(call.name, popup);
			this.$stack.append(popup.$wrapper);
		}
		popup.update(call);
	}
}

$(document).on("app_ready", () => {
	const settings = frappe.boot.telephony;
	if (settings?.popups_enabled) {
		new CallPopups(settings);
	}
});
