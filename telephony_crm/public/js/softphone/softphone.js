import { AudioOutput, render_device_menu } from "./audio";
import { SOFTPHONE_EVENT } from "./events";
import { SipLine } from "./sip_line";

// The desk's softphone: one registration of the user's browser line however many tabs are open. The
// tabs ask for one Web Lock: the tab that gets it registers the line and runs its calls; the others wait
// for the lock (and take over when that tab closes), and follow the line's state over a
// BroadcastChannel, sending what their popups' buttons ask for to the tab that holds the line.

const API = "telephony_crm.api.softphone";
const DEVICES_SECTION = "softphone-devices";
// The handset (line_status) may be set up after the softphone: it is told once it is there.
const HANDSET_WAIT_MS = 500;
const HANDSET_TRIES = 20;

class Softphone {
	constructor() {
		const name = `telephony_crm-softphone-${frappe.session.user}`;
		this.state = {
			registration: { state: "connecting", reason: __("Waiting for the line…") },
			sessions: [],
		};
		this.audio = new AudioOutput();
		this.line = null;
		this.last_ring = null;
		this.channel = new BroadcastChannel(name);
		this.channel.onmessage = ({ data }) => this.receive(data);
		this.channel.postMessage({ type: "hello" });
		navigator.locks.request(name, () => this.hold_line());
		this.find_handset(HANDSET_TRIES);
	}

	get holds_line() {
		return Boolean(this.line);
	}

	/** Runs while this tab holds the line: until the tab closes (the promise never settles). */
	async hold_line() {
		let config;
		try {
			config = await frappe.xcall(`${API}.line_credentials`);
		} catch {
			this.apply({
				...this.state,
				registration: { state: "failed", reason: __("No browser line") },
			});
			return new Promise(() => {});
		}
		try {
			this.line = new SipLine(config, {
				on_change: () => this.publish(),
				audio_output: this.audio,
			});
		} catch (error) {
			// A setting JsSIP cannot take (a malformed SIP URI, say): the handset shows it.
			console.error(error);
			this.apply({ ...this.state, registration: { state: "failed", reason: String(error) } });
			return new Promise(() => {});
		}
		// Leaving, the line unregisters, so the tab that takes over is the PBX's only contact.
		window.addEventListener("pagehide", () => this.line.stop());
		this.publish();
		return new Promise(() => {});
	}

	publish() {
		if (!this.line) {
			return; // the line's first events, while it is set up: published once it is
		}
		const state = this.line.summary();
		this.channel.postMessage({ type: "state", state });
		this.apply(state);
	}

	receive(message) {
		if (message.type === "hello" && this.holds_line) {
			this.publish();
		} else if (message.type === "state" && !this.holds_line) {
			this.apply(message.state);
		} else if (message.type === "act" && this.holds_line) {
			this.line.act(message.id, message.action, message.argument);
		} else if (message.type === "dial" && this.holds_line) {
			this.line.call(message.number);
		}
	}

	apply(state) {
		this.state = state;
		if (this.holds_line) {
			this.ring_while_ringing();
		}
		this.tell_handset();
		$(document).trigger(SOFTPHONE_EVENT, [state]);
	}

	ring_while_ringing() {
		const ringing = this.state.sessions.find(
			(s) => s.direction === "incoming" && s.state === "ringing"
		);
		if (ringing && !this.audio.ringing) {
			this.audio.ring();
			// When the desk rang, for the line's own figures (benchmarks/softphone_latency.py).
			this.last_ring = { call_id: ringing.call_id, at: Date.now() };
		} else if (!ringing) {
			this.audio.stop_ringing();
		}
	}

	tell_handset() {
		const { state, reason } = this.state.registration;
		frappe.telephony_line_status?.set_browser_state(state, reason || "");
	}

	find_handset(tries) {
		if (frappe.telephony_line_status) {
			this.tell_handset();
			const $section = $('<div class="softphone-devices"></div>');
			frappe.telephony_line_status.menu_section(DEVICES_SECTION, $section);
			render_device_menu($section, this.audio);
		} else if (tries > 0) {
			setTimeout(() => this.find_handset(tries - 1), HANDSET_WAIT_MS);
		}
	}

	/** The line's session of a call the desk shows: by the PBX's id of the call it rang the line for
	 * (the INVITE's X-Telephony-Call-Id); else, on the call's extension, by the other party's number
	 * (a call the line placed, or one from a PBX that does not send the id). */
	session_for(call) {
		const { sessions = [], provider, extension } = this.state;
		if (!call || call.provider !== provider) {
			return null;
		}
		const by_id = sessions.find((s) => s.call_id && s.call_id === call.call_id);
		if (by_id || call.extension !== extension) {
			return by_id || null;
		}
		const direction = { Outbound: "outgoing", Inbound: "incoming" }[call.direction];
		return (
			sessions.find(
				(s) =>
					!s.call_id && s.direction === direction && same_number(s.number, call.external_number)
			) || null
		);
	}

	act(id, action, argument) {
		if (this.holds_line) {
			this.line.act(id, action, argument);
		} else {
			this.channel.postMessage({ type: "act", id, action, argument });
		}
	}

	get registered() {
		return this.state.registration.state === "registered";
	}

	/** Click-to-call from the browser line: the server's dialling rules give the number to dial (and
	 * remember the document the call was started from), then the line dials it. */
	call(number, reference) {
		if (!this.registered) {
			frappe.msgprint({
				title: __("The call could not be placed"),
				message: __("Your browser line is not registered with the PBX: {0}", [
					frappe.utils.escape_html(this.state.registration.reason || ""),
				]),
				indicator: "red",
			});
			return Promise.resolve();
		}
		return frappe
			.xcall(`${API}.prepare_call`, { number, ...reference })
			.then(({ number: dialled }) => {
				if (this.holds_line) {
					this.line.call(dialled);
				} else {
					this.channel.postMessage({ type: "dial", number: dialled });
				}
			});
	}
}

function same_number(a, b) {
	const digits = (value) => String(value || "").replace(/\D/g, "");
	const [x, y] = [digits(a), digits(b)];
	const tail = Math.min(10, x.length, y.length);
	return tail > 0 && x.slice(-tail) === y.slice(-tail);
}

frappe.telephony_softphone = new Softphone();
