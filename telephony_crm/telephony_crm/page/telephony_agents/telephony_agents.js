// Who is available, who is on which call and since when: every agent's status, kept live by the
// server's telephony_crm:agent_status events. Supervisors may set an agent's chosen status here.

frappe.pages["telephony-agents"].on_page_load = (wrapper) => {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Agents"),
		single_column: true,
	});
	new AgentsBoard(page, frappe.boot.telephony.availability);
};

const AGENTS_API = "telephony_crm.api.availability";
const esc = (value) => frappe.utils.escape_html(String(value ?? ""));

class AgentsBoard {
	constructor(page, settings) {
		this.page = page;
		this.settings = settings;
		this.rows = new Map();
		page.set_secondary_action(__("Refresh"), () => this.refresh());
		this.$summary = $('<div class="telephony-agents-summary text-muted"></div>').appendTo(page.body);
		this.$table = $(`
			<table class="table table-bordered telephony-agents">
				<thead><tr>
					<th>${__("Agent")}</th>
					<th>${__("Extension")}</th>
					<th>${__("Status")}</th>
					<th>${__("Since")}</th>
					<th>${__("On the Call")}</th>
					<th>${__("Set Status")}</th>
				</tr></thead>
				<tbody></tbody>
			</table>`).appendTo(page.body);
		this.$table.on("change", '[data-role="set-status"]', (event) => {
			const user = $(event.currentTarget).closest("tr").attr("data-user");
			frappe
				.xcall(`${AGENTS_API}.set_status`, { status: event.currentTarget.value, user })
				.then((row) => this.update(row))
				.catch(() => this.render());
		});
		frappe.realtime.on(settings.realtime_event, (row) => this.update(row));
		this.refresh();
	}

	refresh() {
		frappe.xcall(`${AGENTS_API}.agents`).then((rows) => {
			this.rows = new Map(rows.map((row) => [row.user, row]));
			this.render();
		});
	}

	update(row) {
		this.rows.set(row.user, row);
		this.render();
	}

	render() {
		const rows = [...this.rows.values()].sort(
			(a, b) => (a.full_name || a.user).localeCompare(b.full_name || b.user)
		);
		this.$table.find("tbody").html(rows.map((row) => this.row_html(row)).join(""));
		const counts = {};
		rows.forEach((row) => (counts[row.status] = (counts[row.status] || 0) + 1));
		this.$summary.html(
			Object.entries(counts)
				.map(([status, count]) => `${telephony_crm.availability.status_pill(status)} ${cint(count)}`)
				.join(" ")
		);
	}

	row_html(row) {
		const calls = (row.calls || [])
			.map(
				(call) => `
				<div data-call="${esc(call.name)}">
					<a href="/app/telephony-call-log/${encodeURIComponent(call.name)}">${esc(call.name)}</a>
					${esc(call.caller_name || call.external_number || "")}
					${call.answered_at ? frappe.datetime.comment_when(call.answered_at) : ""}
				</div>`
			)
			.join("");
		const choices = this.settings.chosen_statuses
			.map(
				(status) =>
					`<option value="${esc(status)}" ${status === row.chosen_status ? "selected" : ""}>
						${esc(__(status, null, "Telephony Agent Status"))}</option>`
			)
			.join("");
		return `
			<tr data-user="${esc(row.user)}" data-status="${esc(row.status)}">
				<td>${esc(row.full_name || row.user)}</td>
				<td>${esc(row.extensions)}</td>
				<td data-role="status">${telephony_crm.availability.status_pill(row.status)}</td>
				<td>${row.since ? frappe.datetime.comment_when(row.since) : ""}</td>
				<td>${calls}</td>
				<td><select class="form-control input-xs" data-role="set-status">${choices}</select></td>
			</tr>`;
	}
}
