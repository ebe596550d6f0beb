import { may_listen, recording_player } from "../recording_player";
import { CALL_ACTIONS } from "./actions";
import { render_context } from "./context_view";
import { format_clock, format_duration } from "./duration";
import { SOFTPHONE_EVENT, SoftphonePanel } from "../softphone/popup_panel";

// The call log's statuses are translated as its doctype's options (Frappe's own words differ).
const CALL_DOCTYPE = "Telephony Call Log";

const STATUS_COLORS = {
	Ringing: "blue",
	"In Progress": "green",
	Completed: "gray",
	Missed: "red",
	"No Answer": "orange",
	Busy: "orange",
	Failed: "red",
	Rejected: "gray",
};

const DIRECTION_LABELS = {
	Inbound: __("Incoming call"),
	Outbound: __("Outgoing call"),
	Internal: __("Internal call"),
};

const esc = frappe.utils.escape_html;

/** One call's popup: follows the call's state live and shows the caller's ERPNext context. */
export class CallPopup {
	constructor(on_close) {
		this.call = null;
		this.context = null;
		this.on_close = on_close;
		this.$wrapper = $(`
			<div class="telephony-call-popup">
				<div class="call-popup-header">
					<span data-role="status"></span>
					<span class="call-popup-direction" data-role="direction"></span>
					<button class="btn btn-xs btn-link call-popup-close" data-action="close"
						title="${esc(__("Close"))}">${frappe.utils.icon("close", "sm")}</button>
				</div>
				<div class="call-popup-caller" data-role="caller"></div>
				<div class="call-popup-time" data-role="time"></div>
				<div class="call-popup-softphone" data-role="softphone"></div>
				<div class="call-popup-controls" data-role="controls"></div>
				<div class="call-popup-recording" data-role="recording"></div>
				<div class="call-popup-body" data-role="context">
					<div class="text-muted small">${esc(__("Loading…"))}</div>
				</div>
			</div>
		`);
		this.$wrapper.on("click", "[data-action]", (event) => {
			event.preventDefault();
			this.run_action($(event.currentTarget));
		});
		// Several state changes or actions in a row refresh the context once.
		this.reload_context = frappe.utils.debounce(() => this.load_context(), 300);
		// The call's session on the user's browser line, if it has one: its buttons follow the line.
		this.softphone = new SoftphonePanel(this.$wrapper.find('[data-role="softphone"]'));
		this.on_softphone = () => this.call && this.render_call();
		$(document).on(SOFTPHONE_EVENT, this.on_softphone);
	}

	update(call) {
		const first = !this.call;
		if (!this.set_call(call)) {
			return;
		}
		if (first) {
			this.load_context();
		} else {
			this.reload_context();
		}
	}

	/** Show the call's state, unless a newer one is shown already: events can cross on the way, and the
	 * live calls asked for at page load can come back after a later event (their `modified` is older). */
	set_call(call) {
		if (this.call && call.modified < this.call.modified) {
			return false;
		}
		this.call = call;
		// The talk timer runs on the server's clock, whatever the agent's clock says.
		this.clock_offset = moment(call.server_time) - Date.now();
		this.render_call();
		return true;
	}

	close() {
		clearInterval(this.timer);
		$(document).off(SOFTPHONE_EVENT, this.on_softphone);
		this.$wrapper.remove();
		this.on_close();
	}

	load_context() {
		return frappe
			.xcall("telephony_crm.api.calls.get_call_context", { call: this.call.name })
			.then((context) => this.show_context(context));
	}

	show_context(context) {
		this.context = context;
		this.set_call(context.call) || this.render_caller();
		this.$wrapper.find('[data-role="context"]').html(render_context(context));
	}

	run_action($button) {
		const action = $button.attr("data-action");
		if (action === "close") {
			return this.close();
		}
		$button.prop("disabled", true);
		Promise.resolve(CALL_ACTIONS[action](this.call))
			.then(() => this.reload_context())
			.catch(() => {}) // the server's message is already on screen
			.finally(() => $button.prop("disabled", false));
	}

	render_call() {
		const { name, status, direction } = this.call;
		this.$wrapper.attr({
			"data-call": name,
			"data-status": status,
			"data-direction": direction,
		});
		this.$wrapper
			.find('[data-role="status"]')
			.attr("class", `indicator-pill ${STATUS_COLORS[status] || "gray"}`)
			.text(__(status, null, CALL_DOCTYPE));
		this.$wrapper.find('[data-role="direction"]').text(DIRECTION_LABELS[direction] || "");
		this.softphone.render(this.call);
		this.render_caller();
		this.render_time();
		this.render_controls();
		this.render_recording();
	}

	/** Transfer and Hold / Resume, where the call's provider can and the call is the user's. */
	render_controls() {
		const controls = may_control(this.call) ? this.call.call_controls || [] : [];
		// A call on the browser line is held from the line (its Hold button), not by the PBX.
		const pbx_hold = controls.includes("hold") && !this.softphone.session;
		const button = (action, label) =>
			`<button class="btn btn-xs btn-default" data-action="${action}">${esc(label)}</button>`;
		const buttons = [];
		if (pbx_hold) {
			buttons.push(
				this.call.on_hold ? button("resume", __("Resume")) : button("hold", __("Hold"))
			);
		}
		const transfers = ["blind_transfer", "attended_transfer"];
		if (!this.call.on_hold && transfers.some((control) => controls.includes(control))) {
			buttons.push(button("transfer", __("Transfer")));
		}
		const held = this.call.on_hold
			? `<span class="indicator-pill orange" data-role="on-hold">${esc(__("On hold"))}</span>`
			: "";
		this.$wrapper.attr("data-on-hold", this.call.on_hold ? "1" : "0");
		this.$wrapper.find('[data-role="controls"]').html([held, ...buttons].join(" ").trim());
	}

	render_caller() {
		const reject_label = esc(__("Reject"));
		// The browser line declines the call itself (its Decline button).
		const reject = can_reject(this.call) && !this.softphone.session
			? `<button class="btn btn-xs btn-danger" data-action="reject">${reject_label}</button>`
			: "";
		this.$wrapper.find('[data-role="caller"]').html(`
			<div class="call-popup-name">${this.caller_name_html()}</div>
			<div class="call-popup-number">
				<span data-role="number">${esc(this.call.external_number || "")}</span>
				${reject}
			</div>
		`);
	}

	caller_name_html() {
		const party = this.context?.party;
		if (party?.readable) {
			const link = frappe.utils.get_form_link(party.doctype, party.name);
			return `<a href="${esc(link)}" data-role="caller-name">${esc(party.title)}</a>`;
		}
		const { caller_name, customer, contact, lead } = this.call;
		const known_as = caller_name || customer || contact || lead;
		if (known_as) {
			return `<span data-role="caller-name">${esc(known_as)}</span>`;
		}
		const unknown = esc(__("Unknown number"));
		return `<span class="text-muted" data-role="unknown-number">${unknown}</span>`;
	}

	render_time() {
		clearInterval(this.timer);
		const $time = this.$wrapper.find('[data-role="time"]');
		const { status, is_active, answered_at, ring_duration, talk_duration } = this.call;
		if (status === "In Progress") {
			const answered = moment(answered_at);
			const tick = () => {
				const seconds = (Date.now() + this.clock_offset - answered) / 1000;
				$time.html(`<span data-role="timer">${format_clock(seconds)}</span>`);
			};
			tick();
			this.timer = setInterval(tick, 1000);
		} else if (is_active) {
			$time.empty();
		} else {
			const durations = [
				__("talk {0}", [format_duration(talk_duration)]),
				__("ringing {0}", [format_duration(ring_duration)]),
			];
			$time.html(`<span data-role="result">${esc(__(status, null, CALL_DOCTYPE))}</span>
				<span class="text-muted"> · ${esc(durations.join(" · "))}</span>`);
		}
	}

	render_recording() {
		const $recording = this.$wrapper.find('[data-role="recording"]');
		if (this.call.is_active || !this.call.has_recording || !may_listen()) {
			$recording.empty();
		} else if (!$recording.children().length) {
			// Added once: later states of the call (the copy done, say) leave it playing.
			$recording.append(recording_player(this.call.name));
		}
	}
}

function may_control(call) {
	const user = frappe.session.user;
	return call.status === "In Progress" && (call.answered_by === user || call.agent === user);
}

function can_reject(call) {
	return call.direction === "Inbound" && call.status === "Ringing";
}
