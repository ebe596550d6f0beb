import JsSIP from "jssip";

// The browser line itself: one JsSIP user agent registered with the PBX over its SIP WebSocket, and the
// line's calls. Only the tab that holds the line (see softphone.js) runs one.

const CALL_ID_HEADER = "X-Telephony-Call-Id";
const REGISTER_EXPIRES_SECONDS = 300;
// After a network drop or a PBX restart the WebSocket is opened again within these bounds (seconds),
// and the line registers again as soon as it is (JsSIP registers on every connect).
const RECONNECT_MIN_SECONDS = 1;
const RECONNECT_MAX_SECONDS = 10;
// A refused registration (a wrong password, say) is tried again this long after.
const REGISTER_RETRY_MS = 30_000;

export class SipLine {
	constructor(config, { on_change, audio_output }) {
		this.config = config;
		this.on_change = on_change;
		this.audio_output = audio_output;
		this.sessions = new Map();
		this.registration = { state: "connecting", reason: "" };
		this.sequence = 0;

		this.ua = new JsSIP.UA({
			sockets: [new JsSIP.WebSocketInterface(config.websocket_url)],
			uri: config.sip_uri,
			authorization_user: config.authorization_user,
			password: config.password,
			display_name: config.display_name,
			register: true,
			register_expires: REGISTER_EXPIRES_SECONDS,
			session_timers: false,
			connection_recovery_min_interval: RECONNECT_MIN_SECONDS,
			connection_recovery_max_interval: RECONNECT_MAX_SECONDS,
			user_agent: "Telephony CRM desk",
		});
		this.ua.on("connecting", () =>
			this.set_registration("connecting", __("Connecting to the PBX…"))
		);
		this.ua.on("disconnected", () =>
			this.set_registration("connecting", __("The PBX's WebSocket closed; connecting again…"))
		);
		this.ua.on("registered", () => this.set_registration("registered", ""));
		this.ua.on("unregistered", () => this.set_registration("connecting", __("Not registered")));
		this.ua.on("registrationFailed", ({ cause, response }) => {
			const reason = response ? `${response.status_code} ${response.reason_phrase}` : cause;
			this.set_registration("failed", __("The PBX refused the registration: {0}", [reason]));
			clearTimeout(this.retry);
			this.retry = setTimeout(
				() => this.ua.isConnected() && this.ua.register(),
				REGISTER_RETRY_MS
			);
		});
		this.ua.on("newRTCSession", ({ session, originator, request }) =>
			this.add_session(session, originator, request)
		);
		this.ua.start();
	}

	stop() {
		clearTimeout(this.retry);
		this.ua.stop();
	}

	set_registration(state, reason) {
		this.registration = { state, reason, at: Date.now() };
		this.on_change();
	}

	/** The line's calls as the desk shows them (no SIP objects: this goes to the other tabs too). */
	summary() {
		return {
			line: this.config.line,
			extension: this.config.extension,
			provider: this.config.provider,
			registration: this.registration,
			sessions: [...this.sessions.values()].map((call) => ({
				id: call.id,
				call_id: call.call_id,
				direction: call.direction,
				number: call.number,
				state: call.state,
				muted: call.muted,
				held: call.held,
				ringing_at: call.ringing_at,
			})),
		};
	}

	call(number) {
		this.ua.call(`sip:${number}@${this.config.domain}`, this.media_options());
	}

	media_options() {
		return {
			mediaConstraints: { audio: this.audio_output.microphone_constraint(), video: false },
			pcConfig: { iceServers: this.config.ice_servers, rtcpMuxPolicy: "require" },
			rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
		};
	}

	add_session(session, originator, request) {
		const incoming = originator === "remote";
		const call = {
			id: `${Date.now()}-${++this.sequence}`,
			session,
			// The PBX names the call it rings the line for; the popup of that call answers it.
			call_id: incoming ? request.getHeader(CALL_ID_HEADER) || null : null,
			direction: incoming ? "incoming" : "outgoing",
			number: incoming ? session.remote_identity.uri.user : request.ruri.user,
			state: incoming ? "ringing" : "calling",
			muted: false,
			held: false,
			ringing_at: incoming ? Date.now() : null,
		};
		this.sessions.set(call.id, call);
		const attach_audio = (connection) =>
			connection.addEventListener("track", (event) =>
				this.audio_output.play(call.id, event.streams[0])
			);
		if (session.connection) {
			attach_audio(session.connection);
		}
		session.on("peerconnection", ({ peerconnection }) => attach_audio(peerconnection));
		session.on("confirmed", () => this.update(call, { state: "talking" }));
		session.on("accepted", () => this.update(call, { state: "talking" }));
		session.on(
			"hold",
			({ originator: by }) => by === "local" && this.update(call, { held: true })
		);
		session.on(
			"unhold",
			({ originator: by }) => by === "local" && this.update(call, { held: false })
		);
		const end = () => {
			this.audio_output.stop(call.id);
			this.sessions.delete(call.id);
			this.on_change();
		};
		session.on("ended", end);
		session.on("failed", end);
		this.on_change();
	}

	update(call, changes) {
		Object.assign(call, changes);
		this.on_change();
	}

	/** What the popup's buttons ask for: answer, decline, hangup, mute, unmute, hold, unhold, dtmf. */
	act(id, action, argument) {
		const call = this.sessions.get(id);
		if (!call) {
			return;
		}
		const { session } = call;
		const actions = {
			answer: () => session.answer(this.media_options()),
			// Busy Here: the PBX goes on as it would for a busy phone (the next in a group, voicemail).
			decline: () => session.terminate({ status_code: 486, reason_phrase: "Busy Here" }),
			hangup: () => session.terminate(),
			mute: () => this.set_muted(call, true),
			unmute: () => this.set_muted(call, false),
			hold: () => session.hold(),
			unhold: () => session.unhold(),
			dtmf: () =>
				/^[0-9*#]$/.test(argument) && session.sendDTMF(argument, { transportType: "RFC2833" }),
		};
		actions[action]?.();
	}

	/** Muted, the microphone's track leaves the call: no packets at all reach the PBX, not silence. */
	set_muted(call, muted) {
		const connection = call.session.connection;
		if (!connection) {
			return;
		}
		call.microphone = call.microphone || connection.getSenders().find((s) => s.track)?.track;
		for (const sender of connection.getSenders()) {
			if (sender.track?.kind === "audio" || (!sender.track && call.microphone)) {
				sender.replaceTrack(muted ? null : call.microphone);
			}
		}
		this.update(call, { muted });
	}
}
