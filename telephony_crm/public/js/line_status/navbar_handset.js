import {
	LINE_STATUS_EVENT,
	esc,
	handset_icon,
	line_title,
	since_text,
	status_color,
} from "./states";
import { add_to_navbar } from "../availability/navbar_status";

// The handset in the navbar, for users with an enabled SIP Account: green while the PBX has their line's
// phone, red when it has not or the phone does not answer (the contact on hover), grey when the provider
// cannot tell. Its menu lists each line; the server tells changes live (telephony_line_status).
//
// The browser softphone reports its own line into the same handset:
//
//   frappe.telephony_line_status.set_browser_state(state, reason)
//     state: "registered" | "connecting" | "failed" | "off" (null or undefined: no browser line).
//     While set, it gives the handset its colour (green, grey, red, grey), whatever the PBX says of the
//     lines; `reason` (text) is shown on hover and in the menu.
//
//   frappe.telephony_line_status.menu_section(key, $el)
//     Adds `$el` (a jQuery element) to the handset's menu under the lines, or puts it in place of the
//     section added before under the same key (audio devices). The element is kept as given, with its
//     handlers, across the menu's updates.

const API = "telephony_crm.api.line_status";
const BROWSER_COLORS = { registered: "green", connecting: "gray", failed: "red", off: "gray" };
// Translated when shown: the desk's translations are not loaded yet when this module runs.
const browser_label = (state) =>
	({
		registered: __("Browser line registered"),
		connecting: __("Browser line connecting"),
		failed: __("Browser line failed"),
		off: __("Browser line off"),
	})[state];

class LineStatusHandset {
	constructor(settings) {
		this.lines = settings.lines;
		this.browser = null; // {state, reason}
		this.sections = new Map();
		this.$item = $(`
			<li class="nav-item dropdown telephony-line-status" data-state="unknown">
				<button class="btn-reset nav-link" data-toggle="dropdown" aria-haspopup="true"
					aria-expanded="false" data-role="line-status"></button>
				<div class="dropdown-menu dropdown-menu-right" role="menu">
					<div data-role="lines"></div>
					<div data-role="sections"></div>
				</div>
			</li>`);
		this.$button = this.$item.find('[data-role="line-status"]');
		this.$lines = this.$item.find('[data-role="lines"]');
		this.$sections = this.$item.find('[data-role="sections"]');
		add_to_navbar(this.$item);
		this.render();

		frappe.realtime.on(settings.realtime_event || LINE_STATUS_EVENT, (line) => {
			if (line.user === frappe.session.user) this.update(line);
		});
		// Back from a lost realtime connection: what changed meanwhile was not told.
		frappe.realtime.socket?.on("connect", () => this.reload());
	}

	update(line) {
		if (!this.lines.some((known) => known.line === line.line)) {
			this.reload(); // a line given since, or a disabled one (which the server leaves out)
			return;
		}
		this.lines = this.lines.map((known) => (known.line === line.line ? line : known));
		this.render();
	}

	reload() {
		frappe
			.call({ method: `${API}.my_lines`, silent: true })
			.then(({ message }) => {
				this.lines = message || [];
				this.render();
			});
	}

	set_browser_state(state, reason) {
		this.browser = BROWSER_COLORS[state] ? { state, reason: reason || "" } : null;
		this.render();
	}

	menu_section(key, $el) {
		this.sections.get(key)?.remove();
		this.sections.set(key, $el);
		this.$sections.append($el);
	}

	// The handset's colour and its hover text: the browser line's when it reports, else the lines'.
	summary() {
		if (this.browser) {
			const { state, reason } = this.browser;
			return { state, color: BROWSER_COLORS[state], title: [browser_label(state), reason] };
		}
		const colors = this.lines.map((line) => status_color(line.status));
		const color = colors.includes("red") ? "red" : colors.includes("green") ? "green" : "gray";
		const state = { green: "registered", red: "unregistered", gray: "unknown" }[color];
		const shown = this.lines.filter((line) => color === "gray" || status_color(line.status) === color);
		return {
			state,
			color,
			title: shown.map((line) => `${line.extension}: ${line_title(line).replace("\n", " · ")}`),
		};
	}

	render() {
		const { state, color, title } = this.summary();
		this.$item.attr("data-state", state);
		this.$button
			.html(handset_icon(color))
			.attr("title", title.filter(Boolean).join("\n"))
			.attr("aria-label", __("Line status"));
		const browser = this.browser
			? `<div class="dropdown-text">
					<span class="indicator ${BROWSER_COLORS[this.browser.state]}">
						${esc(browser_label(this.browser.state))}</span>
					${this.browser.reason ? `<div class="text-muted small">${esc(this.browser.reason)}</div>` : ""}
				</div><div class="dropdown-divider"></div>`
			: "";
		const lines = this.lines.map(
			(line) => `
				<div class="dropdown-text" data-line="${esc(line.line)}">
					<span class="indicator ${status_color(line.status)}">
						${esc(__("Line {0}", [line.extension]))} · ${esc(line.provider)}</span>
					<div class="text-muted small">${esc(since_text(line))}</div>
					${line.detail ? `<div class="text-muted small text-break">${esc(line.detail)}</div>` : ""}
				</div>`
		);
		this.$lines.html(browser + lines.join(""));
		this.$sections.toggleClass("border-top pt-1", this.sections.size > 0);
	}
}

$(document).on("app_ready", () => {
	const settings = frappe.boot.telephony?.line_status;
	if (settings?.lines?.length) {
		const handset = new LineStatusHandset(settings);
		frappe.telephony_line_status = {
			set_browser_state: (state, reason) => handset.set_browser_state(state, reason),
			menu_section: (key, $el) => handset.menu_section(key, $el),
		};
	}
});
