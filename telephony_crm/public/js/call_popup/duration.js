/** A running call's clock: 75 -> "1:15", 3725 -> "1:02:05" */
export function format_clock(seconds) {
	const total = Math.max(0, Math.floor(seconds || 0));
	const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
	const pad = (n) => String(n).padStart(2, "0");
	return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** A finished call's duration as Frappe writes durations, in the user's language: 75 -> "1m 15s". */
export function format_duration(seconds) {
	const total = Math.max(0, Math.floor(seconds || 0));
	return (
		frappe.utils.get_formatted_duration(total) || `0${__("s", null, "Seconds (Field: Duration)")}`
	);
}
