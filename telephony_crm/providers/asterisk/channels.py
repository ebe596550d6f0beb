"""Agents' phones as Asterisk channels: the configured template, both ways."""

import re

PLACEHOLDER = "{extension}"
# A live channel is the dialled device plus `-<sequence>`, and `;1`/`;2` for the halves of a Local channel.
_SEQUENCE = r"-[0-9a-f]+(?:;[12])?"


class ChannelTemplate:
	"""`PJSIP/{extension}` dials extension 101 as `PJSIP/101` and reads `PJSIP/101-0000001b` back as 101.

	With `extensions` (the provider's SIP Accounts) given, only those count, so that a trunk endpoint the
	template also matches (`PJSIP/trunk-0000001a`) is not taken for an agent; a channel the template does
	not match still counts when its resource is a known extension (`Local/101@from-queue-00000005;1`).
	"""

	def __init__(self, template: str, extensions: frozenset[str] = frozenset()):
		if PLACEHOLDER not in template:
			raise ValueError(f"channel template {template!r} has no {PLACEHOLDER}")
		self.template = template
		self.extensions = extensions
		prefix, _, suffix = template.partition(PLACEHOLDER)
		self._pattern = re.compile(
			f"{re.escape(prefix)}(?P<extension>[^/@;-]+){re.escape(suffix)}(?:{_SEQUENCE})?$", re.IGNORECASE
		)

	def dial_string(self, extension: str) -> str:
		return self.template.replace(PLACEHOLDER, extension)

	def extension_of(self, channel: str | None) -> str | None:
		if not channel:
			return None
		match = self._pattern.match(channel)
		if match and (not self.extensions or match["extension"] in self.extensions):
			return match["extension"]
		resource = _resource(channel)
		return resource if resource in self.extensions else None


def _resource(channel: str) -> str:
	device = channel.partition("/")[2]
	if "@" in device:
		return device.partition("@")[0]
	return re.sub(f"{_SEQUENCE}$", "", device)
