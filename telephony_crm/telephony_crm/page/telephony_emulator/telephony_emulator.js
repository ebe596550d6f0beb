// Plays a PBX: sends Generic Webhook events through a provider's real webhook URL, as the PBX would
// (no session cookie, the secret in the header), and shows each request as a curl command.

frappe.pages["telephony-emulator"].on_page_load = (wrapper) => {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Telephony Emulator"),
		single_column: true,
	});
	new TelephonyEmulator(page);
};

const WEBHOOK_PATH = "/api/method/telephony_crm.api.webhook.receive";
// A call goes ring -> answer -> hang up; after each, the next action is offered.
const NEXT_ACTION = { ringing: "answered", answered: "ended" };

class TelephonyEmulator {
	constructor(page) {
		this.page = page;
		this.form = new frappe.ui.FieldGroup({ fields: this.fields(), body: page.body });
		this.form.make();
		this.$request = $('<div class="telephony-emulator-request"></div>').appendTo(page.body);
		page.set_primary_action(__("Send"), () => this.send());
		page.set_secondary_action(__("New Call"), () => this.new_call());
		this.set_default_provider();
		this.new_call();
	}

	fields() {
		return [
			{
				fieldname: "provider",
				fieldtype: "Link",
				label: __("Provider"),
				options: "Telephony Provider Settings",
				get_query: () => ({ filters: { provider_type: "Generic Webhook", enabled: 1 } }),
				reqd: 1,
			},
			{
				fieldname: "direction",
				fieldtype: "Select",
				label: __("Direction"),
				options: [
					{ value: "inbound", label: __("Inbound") },
					{ value: "outbound", label: __("Outbound") },
					{ value: "internal", label: __("Internal") },
				],
				default: "inbound",
			},
			{
				fieldname: "event",
				fieldtype: "Select",
				label: __("Action"),
				options: [
					{ value: "ringing", label: __("Ring") },
					{ value: "answered", label: __("Answer") },
					{ value: "ended", label: __("Hang Up") },
				],
				default: "ringing",
			},
			{
				fieldname: "status",
				fieldtype: "Select",
				label: __("Result"),
				options: ["", "completed", "missed", "no_answer", "busy", "failed", "rejected"],
				description: __("Empty: decided from whether the call was answered"),
				depends_on: "eval:doc.event == 'ended'",
			},
			{ fieldtype: "Column Break" },
			{
				fieldname: "extension",
				fieldtype: "Data",
				label: __("Extension (SIP ID)"),
				description: __("The user whose SIP Account has this extension sees the popup"),
				reqd: 1,
			},
			{
				fieldname: "number",
				fieldtype: "Data",
				label: __("External Number"),
				description: __("Who calls, or who is called, e.g. +79161234567"),
			},
			{
				fieldname: "call_id",
				fieldtype: "Data",
				label: __("Call ID"),
				description: __("Kept for the call's ring, answer and hang up"),
				reqd: 1,
			},
		];
	}

	set_default_provider() {
		frappe.db
			.get_value(
				"Telephony Provider Settings",
				{ provider_type: "Generic Webhook", enabled: 1 },
				"name"
			)
			.then(({ message }) => message?.name && this.form.set_value("provider", message.name));
	}

	new_call() {
		this.form.set_value("call_id", `emulator-${Date.now()}`);
		this.form.set_value("event", "ringing");
	}

	payload(values) {
		const { event, call_id, direction, extension, number, status } = values;
		const [from, to] = direction === "outbound" ? [extension, number] : [number, extension];
		const payload = { event, call_id, direction, from, to, extension };
		if (event === "ended" && status) {
			payload.status = status;
		}
		return payload;
	}

	async send() {
		const values = this.form.get_values();
		if (!values) return;
		const url_with_secret = await frappe.xcall("run_doc_method", {
			dt: "Telephony Provider Settings",
			dn: values.provider,
			method: "get_webhook_url_with_secret",
		});
		const secret = new URL(url_with_secret).searchParams.get("token");
		const url = `${window.location.origin}${WEBHOOK_PATH}?provider=${encodeURIComponent(
			values.provider
		)}`;
		const body = JSON.stringify(this.payload(values));
		const headers = { "X-Telephony-Token": secret, "Content-Type": "application/json" };

		const response = await fetch(url, { method: "POST", headers, body, credentials: "omit" });
		this.show_request(url, headers, body, response.status, await response.text());
		if (response.ok) {
			NEXT_ACTION[values.event]
				? this.form.set_value("event", NEXT_ACTION[values.event])
				: this.new_call();
		}
	}

	show_request(url, headers, body, status, answer) {
		const curl = [
			`curl -X POST ${shell_quote(url)}`,
			...Object.entries(headers).map(
				([name, value]) => `  -H ${shell_quote(`${name}: ${value}`)}`
			),
			`  -d ${shell_quote(body)}`,
		].join(" \\\n");
		const esc = frappe.utils.escape_html;
		this.$request.html(`
			<div class="frappe-card p-3" data-role="emulator-answer">
				<p><b>${esc(__("Answer"))}</b>:
					<span class="indicator-pill ${status < 300 ? "green" : "red"}">HTTP ${status}</span>
					<code data-role="answer-body">${esc(answer)}</code></p>
				<p><b>${esc(__("The same request from a shell"))}</b>
					<button class="btn btn-xs btn-default" data-action="copy-curl">${esc(__("Copy"))}</button></p>
				<pre data-role="curl">${esc(curl)}</pre>
			</div>
		`);
		this.$request
			.find('[data-action="copy-curl"]')
			.on("click", () => frappe.utils.copy_to_clipboard(curl));
	}
}

function shell_quote(text) {
	return `'${text.replace(/'/g, `'\\''`)}'`;
}
