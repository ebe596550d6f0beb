// The browser line's buttons in a call's popup: Answer and Decline while the call rings the line; Mute,
// Hold, the keypad and Hang up during it. The line itself (softphone.js, loaded for users with a browser
// line) runs the call; the popup finds the call's session through frappe.telephony_softphone.

export { SOFTPHONE_EVENT } from "./events";
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];
const esc = frappe.utils.escape_html;

export class SoftphonePanel {
	constructor($element) {
		this.$element = $element;
		this.keypad_open = false;
		this.session = null;
		$element.on("click", "[data-softphone]", (event) => {
			event.preventDefault();
			this.press(event.currentTarget.dataset.softphone, event.currentTarget.dataset.key);
		});
	}

	/** The call's session on this user's browser line, or null: the popup then shows what it always did. */
	render(call) {
		this.session = frappe.telephony_softphone?.session_for(call) || null;
		this.$element.attr("data-softphone-state", this.session?.state || "");
		this.$element.html(this.session ? this.buttons(this.session) : "");
	}

	buttons(session) {
		const button = (action, label, style = "btn-default") =>
			`<button class="btn btn-xs ${style}" data-softphone="${action}">${esc(label)}</button>`;
		if (session.state === "ringing") {
			return [
				button("answer", __("Answer"), "btn-success"),
				button("decline", __("Decline"), "btn-danger"),
			].join(" ");
		}
		const hang_up = button("hangup", __("Hang up"), "btn-danger");
		if (session.state !== "talking") {
			return hang_up;
		}
		const controls = [
			session.muted ? button("unmute", __("Unmute"), "btn-warning") : button("mute", __("Mute")),
			session.held ? button("unhold", __("Resume"), "btn-warning") : button("hold", __("Hold")),
			button("keypad", __("Keypad"), this.keypad_open ? "btn-primary" : "btn-default"),
			hang_up,
		].join(" ");
		const keypad = this.keypad_open
			? `<div class="softphone-keypad" data-role="keypad">${KEYS.map(
					(key) =>
						`<button class="btn btn-sm btn-default" data-softphone="dtmf" data-key="${key}">${key}</button>`
			  ).join("")}</div>`
			: "";
		return controls + keypad;
	}

	press(action, key) {
		if (!this.session) {
			return;
		}
		if (action === "keypad") {
			this.keypad_open = !this.keypad_open;
			this.$element.html(this.buttons(this.session));
			return;
		}
		frappe.telephony_softphone.act(this.session.id, action, key);
	}
}
