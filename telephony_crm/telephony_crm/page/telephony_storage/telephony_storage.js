// What call recordings take, by month and by provider, and deleting those of old calls (in a
// background job that reports its progress to whoever started it).

frappe.pages["telephony-storage"].on_page_load = (wrapper) => {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Telephony Storage"),
		single_column: true,
	});
	new TelephonyStorage(page);
};

const STORAGE_API = "telephony_crm.api.recording_storage";
// Sent by the deletion job when it has ended (telephony_crm.recordings.storage.DELETED_EVENT).
const DELETED_EVENT = "telephony_recordings_deleted";
const SIZE_UNITS = [__("B"), __("KB"), __("MB"), __("GB"), __("TB")];
const esc = (value) => frappe.utils.escape_html(String(value ?? ""));

// 1536 -> "1.5 KB", the number in the user's number format ("1,5 КБ").
function human_size(bytes) {
	const [divisor, unit] = size_unit(bytes);
	return `${format_number(cint(bytes) / divisor, null, divisor > 1 ? 1 : 0)} ${unit}`;
}

// The largest unit of which `bytes` holds at least one: [the bytes in it, its name].
function size_unit(bytes) {
	let unit = 0;
	while (cint(bytes) >= 1024 ** (unit + 1) && unit < SIZE_UNITS.length - 1) {
		unit += 1;
	}
	return [1024 ** unit, SIZE_UNITS[unit]];
}

class TelephonyStorage {
	constructor(page) {
		this.page = page;
		this.before = page.add_field({
			fieldname: "before",
			fieldtype: "Date",
			label: __("Older than"),
		});
		page.set_primary_action(__("Delete recordings older than…"), () =>
			this.confirm_deletion()
		);
		page.set_secondary_action(__("Refresh"), () => this.refresh());
		this.$chart = $('<div class="telephony-storage-chart"></div>').appendTo(page.body);
		this.$tables = $('<div class="telephony-storage-tables"></div>').appendTo(page.body);
		frappe.realtime.on(DELETED_EVENT, (data) => this.deleted(data));
		this.refresh();
	}

	refresh() {
		frappe
			.call({ method: `${STORAGE_API}.report`, type: "GET" })
			.then(({ message }) => this.render(message));
	}

	render(report) {
		this.render_chart(report.months);
		const columns = [__("On Site"), __("Size on Site"), __("At Provider")];
		const cells = (row) => [
			row.on_site_count,
			human_size(row.on_site_bytes),
			row.at_provider_count,
		];
		this.$tables.html(`
			${this.table(
				[__("Provider"), ...columns],
				report.providers.map((row) => [row.provider, ...cells(row)]),
				[__("Total"), ...cells(report.total)]
			)}
			${this.table(
				[__("Month"), ...columns],
				report.months.map((row) => [row.month || __("No date"), ...cells(row)]),
				[__("Total"), ...cells(report.total)]
			)}
		`);
	}

	render_chart(months) {
		this.$chart.empty();
		if (!months.length) {
			this.$chart.html(`<p class="text-muted">${esc(__("No call has a recording"))}</p>`);
			return;
		}
		// One unit for every bar, that of the largest month.
		const [divisor, unit] = size_unit(Math.max(...months.map((row) => row.on_site_bytes)));
		new frappe.Chart(this.$chart[0], {
			type: "bar",
			height: 260,
			data: {
				labels: months.map((row) => row.month || __("No date")),
				datasets: [
					{
						name: __("On site ({0})", [unit]),
						values: months.map((row) => flt(row.on_site_bytes / divisor, 1)),
					},
					{
						name: __("At provider (recordings)"),
						values: months.map((row) => row.at_provider_count),
					},
				],
			},
		});
	}

	table(headers, rows, total) {
		const line = (cells, tag) =>
			`<tr>${cells.map((cell) => `<${tag}>${esc(cell)}</${tag}>`).join("")}</tr>`;
		return `<table class="table table-bordered table-sm">
			<thead>${line(headers, "th")}</thead>
			<tbody>${rows.map((row) => line(row, "td")).join("")}${line(total, "th")}</tbody>
		</table>`;
	}

	confirm_deletion() {
		const before = this.before.get_value();
		if (!before) {
			frappe.msgprint(
				__("Choose the date: the recordings of calls older than it are deleted")
			);
			return;
		}
		const day = frappe.datetime.str_to_user(before);
		frappe
			.call({ method: `${STORAGE_API}.preview`, type: "GET", args: { before } })
			.then(({ message: preview }) => {
				if (!preview.recordings) {
					frappe.msgprint(esc(__("No call older than {0} has a recording", [day])));
					return;
				}
				const question = __(
					"Delete the recordings of {0} calls older than {1}? {2} files are on the site ({3}); the others are deleted at their provider where it can. This cannot be undone.",
					[preview.recordings, day, preview.on_site, human_size(preview.bytes)]
				);
				frappe.confirm(esc(question), () => this.delete(before));
			});
	}

	delete(before) {
		frappe
			.call({ method: `${STORAGE_API}.delete_older_than`, args: { before } })
			.then(({ message }) => {
				frappe.show_alert({
					message: esc(message.message),
					indicator: message.job_id ? "blue" : "orange",
				});
				if (message.job_id) {
					frappe.show_progress(
						__("Deleting recordings"),
						0,
						100,
						__("Waiting to start"),
						true
					);
				}
			});
	}

	deleted(data) {
		// Later than the job's last progress: a dialog still fading in does not close.
		setTimeout(frappe.hide_progress, 1000);
		frappe.show_alert({ message: esc(data.subject), indicator: "green" }, 10);
		this.refresh();
	}
}
