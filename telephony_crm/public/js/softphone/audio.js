// The browser line's sound: the microphone it sends, the speaker calls play on, and the ringtone (a
// tone made with WebAudio, on the ringing device). The choice of devices is kept in the browser.

const STORAGE_KEY = "telephony_crm-softphone-devices";
// Two tones, one second on and two off: how a desk phone rings.
const RING_FREQUENCIES = [440, 480];
const RING_ON_SECONDS = 1;
const RING_PERIOD_SECONDS = 3;
const RING_VOLUME = 0.15;

export class AudioOutput {
	constructor() {
		this.players = new Map();
		this.ringer = null;
	}

	get devices() {
		try {
			return JSON.parse(localStorage.getItem(STORAGE_KEY)) || {};
		} catch {
			return {};
		}
	}

	choose(kind, device_id) {
		localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...this.devices, [kind]: device_id }));
		for (const audio of this.players.values()) {
			set_sink(audio, this.devices.speaker);
		}
		this.ringer && set_sink(this.ringer.audio, this.devices.ringer);
	}

	microphone_constraint() {
		const { microphone } = this.devices;
		return microphone ? { deviceId: { exact: microphone } } : true;
	}

	play(id, stream) {
		let audio = this.players.get(id);
		if (!audio) {
			audio = new_audio_element();
			set_sink(audio, this.devices.speaker);
			this.players.set(id, audio);
		}
		audio.srcObject = stream;
		audio.play().catch(() => {});
	}

	stop(id) {
		const audio = this.players.get(id);
		if (audio) {
			audio.srcObject = null;
			audio.remove();
			this.players.delete(id);
		}
	}

	ring() {
		if (this.ringer) {
			return;
		}
		const context = new AudioContext();
		const gain = context.createGain();
		const destination = context.createMediaStreamDestination();
		gain.connect(destination);
		gain.gain.value = 0;
		for (const frequency of RING_FREQUENCIES) {
			const oscillator = context.createOscillator();
			oscillator.frequency.value = frequency;
			oscillator.connect(gain);
			oscillator.start();
		}
		// Scheduled ahead, on the audio clock, for as long as a call may ring.
		for (
			let start = context.currentTime;
			start < context.currentTime + 300;
			start += RING_PERIOD_SECONDS
		) {
			gain.gain.setValueAtTime(RING_VOLUME, start);
			gain.gain.setValueAtTime(0, start + RING_ON_SECONDS);
		}
		const audio = new_audio_element();
		set_sink(audio, this.devices.ringer);
		audio.srcObject = destination.stream;
		audio.play().catch(() => {});
		context.resume();
		this.ringer = { context, audio };
	}

	stop_ringing() {
		if (this.ringer) {
			this.ringer.context.close();
			this.ringer.audio.remove();
			this.ringer = null;
		}
	}

	get ringing() {
		return Boolean(this.ringer);
	}
}

/** The handset menu's audio section: microphone, speaker and ringing device. */
export function render_device_menu($section, output) {
	const esc = frappe.utils.escape_html;
	const kinds = [
		{ key: "microphone", kind: "audioinput", label: __("Microphone") },
		{ key: "speaker", kind: "audiooutput", label: __("Speaker") },
		{ key: "ringer", kind: "audiooutput", label: __("Ringing device") },
	];
	return navigator.mediaDevices.enumerateDevices().then((devices) => {
		const chosen = output.devices;
		const options = (kind, key) =>
			[{ deviceId: "", label: __("System default") }, ...devices.filter((d) => d.kind === kind)]
				.map((device, index) => {
					const label = device.label || __("Device {0}", [index]);
					const selected = (chosen[key] || "") === device.deviceId ? "selected" : "";
					return `<option value="${esc(device.deviceId)}" ${selected}>${esc(label)}</option>`;
				})
				.join("");
		// Browsers without setSinkId play everything on the default output.
		const can_choose_output = "setSinkId" in HTMLMediaElement.prototype;
		$section.html(
			kinds
				.filter(({ kind }) => kind === "audioinput" || can_choose_output)
				.map(
					({ key, kind, label }) => `
					<label class="softphone-device">
						<span class="text-muted small">${esc(label)}</span>
						<select class="form-control form-control-sm" data-device="${key}">
							${options(kind, key)}
						</select>
					</label>`
				)
				.join("")
		);
		$section.find("select").on("change", (event) => {
			output.choose(event.currentTarget.dataset.device, event.currentTarget.value);
		});
		// A click in the menu's select must not close the dropdown.
		$section.on("click", (event) => event.stopPropagation());
	});
}

function new_audio_element() {
	return $('<audio autoplay class="hidden" data-role="softphone-audio"></audio>').appendTo(
		document.body
	)[0];
}

function set_sink(audio, device_id) {
	if (audio.setSinkId) {
		audio.setSinkId(device_id || "").catch(() => {});
	}
}
