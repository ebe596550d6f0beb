"""How the site fetches a recording from a provider: only from the provider's own hosts, streamed, bounded.

A recording URL comes from outside (a webhook, the PBX): it may name any address. The site follows it only
to a host the provider's settings name (`allowed hosts`), never through a redirect, never to a private or
loopback address unless the admin wrote that address itself in the settings (a name that resolves to
one is refused: it may be rebound), and reads at most MAX_BYTES within MAX_SECONDS.
"""

import ipaddress
import re
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

from frappe import _

from telephony_crm.providers.base import ProviderCommandError, Recording
from telephony_crm.providers.http import provider_request

MAX_BYTES = 512 * 1024 * 1024
MAX_SECONDS = 600
CHUNK_BYTES = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
_FILENAME = re.compile(r'filename="?([^";]+)"?')


class RecordingRefused(ProviderCommandError):
	"""A recording URL the site will not fetch."""


class RecordingsAtUrl:
	"""For a provider whose events carry the recording's URL, on hosts its settings name."""

	def fetch_recording(self, call, byte_range: str | None = None) -> Recording:
		if not call.recording_url:
			raise ProviderCommandError(_("Call {0} has no recording at its provider").format(call.name))
		return fetch_url(self.name, call.recording_url, self.recording_hosts(), byte_range)

	def recording_hosts(self) -> list[str]:
		"""The hosts (`host` or `host:port`) the provider's recording URLs may point at."""
		raise NotImplementedError


def fetch_url(provider: str, url: str, allowed_hosts: list[str], byte_range: str | None = None) -> Recording:
	"""The recording at `url`, if it is on one of `allowed_hosts` (`host` or `host:port`)."""
	check_url(url, allowed_hosts)
	response = provider_request(
		provider, "GET", url, headers=range_header(byte_range), stream=True, retry_pauses=()
	)
	return streamed_recording(response, default_filename=urlsplit(url).path.rsplit("/", 1)[-1])


def check_url(url: str, allowed_hosts: list[str]) -> None:
	parts = urlsplit(url or "")
	if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
		raise RecordingRefused(_("The recording's address is not an http(s) URL"))
	try:
		port = parts.port or _DEFAULT_PORTS[parts.scheme]
	except ValueError:
		raise RecordingRefused(_("The recording's address has an invalid port"))
	allowed = {host_and_port(entry, parts.scheme) for entry in allowed_hosts if entry.strip()}
	host = parts.hostname.lower()
	if (host, port) not in allowed:
		raise RecordingRefused(
			_("The recording is on {0}, which is not a recording host of this provider").format(
				f"{host}:{port}"
			)
		)
	if not _is_address(host):
		for address in _resolve(host, port):
			if not address.is_global:
				raise RecordingRefused(
					_(
						"{0} resolves to the private address {1}; to fetch recordings from it, write the "
						"address itself in the provider's settings"
					).format(host, address)
				)


def range_header(byte_range: str | None) -> dict:
	# Only a plain single byte range is passed on to the provider.
	if byte_range and re.fullmatch(r"bytes=\d*-\d*", byte_range.strip()):
		return {"Range": byte_range.strip()}
	return {}


def streamed_recording(response, default_filename: str = "recording.mp3") -> Recording:
	"""A provider's answer with the file, read on as the listener reads it, within the limits."""
	if response.is_redirect:
		response.close()
		raise RecordingRefused(
			_("The provider answered with a redirect (HTTP {0}); it was not followed").format(
				response.status_code
			)
		)
	size = response.headers.get("Content-Length", "")
	if size.isdigit() and int(size) > MAX_BYTES:
		response.close()
		raise RecordingRefused(
			_("The recording is larger than {0} MB; the site does not fetch it").format(MAX_BYTES >> 20)
		)
	disposition = _FILENAME.search(response.headers.get("Content-Disposition", ""))
	return Recording(
		chunks=_bounded_chunks(response),
		content_type=response.headers.get("Content-Type") or "audio/mpeg",
		filename=disposition.group(1) if disposition else (default_filename or "recording.mp3"),
		size=int(size) if size.isdigit() else None,
		content_range=response.headers.get("Content-Range") if response.status_code == 206 else None,
	)


def _bounded_chunks(response) -> Iterator[bytes]:
	deadline = time.monotonic() + MAX_SECONDS
	read = 0
	try:
		for chunk in response.iter_content(CHUNK_BYTES):
			read += len(chunk)
			if read > MAX_BYTES or time.monotonic() > deadline:
				raise RecordingRefused(_("The recording exceeded the size or time limit and was cut off"))
			yield chunk
	finally:
		response.close()


def host_and_port(entry: str, scheme: str) -> tuple[str, int]:
	entry = entry.strip().lower()
	parts = urlsplit(entry if "//" in entry else f"{scheme}://{entry}")
	try:
		return (parts.hostname or "", parts.port or _DEFAULT_PORTS.get(parts.scheme, 0))
	except ValueError:
		return ("", 0)


def _is_address(host: str) -> bool:
	try:
		ipaddress.ip_address(host)
	except ValueError:
		return False
	return True


def _resolve(host: str, port: int) -> list:
	try:
		infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
	except OSError:
		raise RecordingRefused(_("The recording host {0} could not be resolved").format(host))
	return [ipaddress.ip_address(info[4][0]) for info in infos]
