"""Twilio's `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, the URL Twilio requested + each POST
parameter's name and value, sorted by name)), as twilio-python's RequestValidator computes it.

The URL must be the one Twilio requested: behind a proxy the site's public address is rebuilt from
its settings, and, as the official libraries do, the URL is also tried with and without the default
port."""

import base64
import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def signature(token: str, url: str, params) -> str:
	"""`params`: the POST form (a MultiDict, or a dict of one value a name)."""
	items = params.items(multi=True) if hasattr(params, "getlist") else params.items()
	text = url + "".join(name + value for name, value in sorted(items))
	return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def is_signed(token: str, url: str, params, given: str) -> bool:
	return any(
		hmac.compare_digest(signature(token, variant, params).encode(), given.encode())
		for variant in _port_variants(url)
	)


def _port_variants(url: str) -> list[str]:
	"""The URL without and with its scheme's default port (the same address, signed either way)."""
	parts = urlsplit(url)
	default = DEFAULT_PORTS.get(parts.scheme)
	if not default or (parts.port and parts.port != default):
		return [url]
	return [
		urlunsplit(parts._replace(netloc=netloc))
		for netloc in (parts.hostname, f"{parts.hostname}:{default}")
	]
