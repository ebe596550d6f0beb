import { status_indicator } from "./statuses";

// The agent's status in the navbar: shows it (Busy while on a call, Offline after a closed desk) and lets
// them choose Available, Away or Do Not Disturb. While the desk is open it sends a heartbeat, so the
// server knows when it is closed.

const API = "telephony_crm.api.availability";

class AgentStatusControl {
	constructor(settings) {
		this.settings = settings;
		this.$item = $(`
			<li class="nav-item dropdown telephony-agent-status">
				<button class="btn-reset nav-link" data-toggle="dropdown" aria-haspopup="true"
					aria-expanded="false" data-role="agent-status"></button>
				<div class="dropdown-menu dropdown-menu-right" role="menu"></div>
			</li>`);
		this.$button = this.$item.find('[data-role="agent-status"]');
		this.$menu = this.$item.find(".dropdown-menu");
		this.$menu.on("click", "[data-status]", (event) => {
			event.preventDefault();
			this.choose(event.currentTarget.dataset.status);
		});
		add_to_navbar(this.$item);
		this.render(settings.agent);

		// Busy from a call, Offline, or a supervisor's change: the server tells the agent's own row.
		frappe.realtime.on(settings.realtime_event, (row) => {
			if (row.user === frappe.session.user) this.render(row);
		});
		this.beat();
		setInterval(() => this.beat(), cint(settings.heartbeat_seconds) * 1000);
		// Coming back to a tab the browser slowed down: say so at once.
		document.addEventListener("visibilitychange", () => document.hidden || this.beat());
	}

	render(row) {
		this.row = row;
		this.$item.attr("data-status", row.status);
		this.$button.html(status_indicator(row.status));
		const choices = this.settings.chosen_statuses.map(
			(status) => `
				<a class="dropdown-item ${status === row.chosen_status ? "selected" : ""}" href="#"
					data-status="${frappe.utils.escape_html(status)}">
					${status_indicator(status)}
				</a>`
		);
		const note =
			row.status === "Busy" || row.status === "Offline"
				? `<div class="dropdown-text text-muted small">${frappe.utils.escape_html(
						row.status === "Busy"
							? __("Busy while on a call; then {0}", [__(row.chosen_status, null, "Telephony Agent Status")])
							: __("Offline: your desk was closed")
				  )}</div>`
				: "";
		const agents_link = this.settings.supervises_agents
			? `<div class="dropdown-divider"></div>
				<a class="dropdown-item" href="/app/telephony-agents">${__("Agents")}</a>`
			: "";
		this.$menu.html(note + choices.join("") + agents_link);
	}

	choose(status) {
		frappe.xcall(`${API}.set_status`, { status }).then((row) => this.render(row));
	}

	beat() {
		// Quietly: a missed beat is no reason to interrupt the agent, the next one follows.
		frappe
			.call({ method: `${API}.heartbeat`, type: "POST", silent: true })
			.then(({ message }) => message && this.render(message));
	}
}

// The app's navbar items go before the notifications bell.
export function add_to_navbar($item) {
	const $notifications = $(".navbar .dropdown-notifications");
	if ($notifications.length) {
		$item.insertBefore($notifications);
	} else {
		$item.prependTo($(".navbar .navbar-collapse .navbar-nav").last());
	}
}

$(document).on("app_ready", () => {
	const settings = frappe.boot.telephony?.availability;
	if (settings?.agent) {
		telephony_crm.availability.control = new AgentStatusControl(settings);
	}
});
