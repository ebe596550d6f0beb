"""A provider's *Browser Calls* settings: the PBX's SIP WebSocket and the ICE servers browsers use."""

from urllib.parse import urlsplit

import frappe
from frappe import _

# Plain ws:// leaves the SIP password and the call's keys readable on the wire: only on this machine.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
STUN_SCHEMES = ("stun", "stuns")
TURN_SCHEMES = ("turn", "turns")


def check_browser_settings(doc) -> None:
	"""On save of the provider: the WebSocket URL and each STUN and TURN server must read."""
	doc.browser_websocket_url = (doc.browser_websocket_url or "").strip()
	if doc.browser_websocket_url:
		check_websocket_url(doc.browser_websocket_url)
	_check_servers(doc.browser_stun_servers, STUN_SCHEMES, _("STUN"))
	turn = _lines(doc.browser_turn_servers)
	_check_servers(doc.browser_turn_servers, TURN_SCHEMES, _("TURN"))
	if turn and not (doc.browser_turn_username and doc.browser_turn_credential):
		frappe.throw(_("TURN servers need the TURN username and credential"), title=_("Browser Calls"))


def check_websocket_url(url: str) -> None:
	parts = urlsplit(url)
	if parts.scheme not in ("wss", "ws") or not parts.hostname or any(ch.isspace() for ch in url):
		frappe.throw(
			_("{0} is not a WebSocket URL: write it as wss://pbx.example.com:8089/ws").format(
				frappe.bold(url)
			),
			title=_("Browser Calls"),
		)
	if parts.scheme == "ws" and parts.hostname not in LOOPBACK_HOSTS:
		frappe.throw(
			_(
				"{0} is not encrypted: browsers send the SIP password and the call over it. Use wss:// (ws:// is "
				"accepted for 127.0.0.1 and localhost only)"
			).format(frappe.bold(url)),
			title=_("Browser Calls"),
		)


def ice_servers(provider) -> list[dict]:
	"""RTCPeerConnection's iceServers: STUN servers as they are, TURN servers with their credential."""
	servers = [{"urls": url} for url in _lines(provider.browser_stun_servers)]
	turn = _lines(provider.browser_turn_servers)
	if turn:
		servers.append(
			{
				"urls": turn,
				"username": provider.browser_turn_username,
				"credential": provider.get_password("browser_turn_credential", raise_exception=False),
			}
		)
	return servers


def _check_servers(text: str | None, schemes: tuple[str, ...], kind: str) -> None:
	for server in _lines(text):
		scheme, _colon, address = server.partition(":")
		if scheme not in schemes or not address or any(ch.isspace() for ch in server):
			frappe.throw(
				_("{0} is not a {1} server: write it as {2}:host:port").format(
					frappe.bold(server), kind, schemes[0]
				),
				title=_("Browser Calls"),
			)


def _lines(text: str | None) -> list[str]:
	return [line.strip() for line in (text or "").splitlines() if line.strip()]
