"""The client's extensions (phones, queues, IVRs), listed through the API and kept an hour."""

from dataclasses import asdict, dataclass

import frappe
from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.telphin.client import TelphinClient, read_json
from telephony_crm.providers.telphin.events import short_extension

EXTENSION_TYPES = ("phone", "queue", "ivr")
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Extension:
	id: str
	name: str  # as Telphin has it: 1234*101
	type: str

	@property
	def short_name(self) -> str | None:
		return short_extension(self.name)


def list_extensions(client: TelphinClient) -> list[Extension]:
	"""Every phone, queue and IVR extension of the client, asked anew (and kept for the next lookups)."""
	extensions = [
		_extension(row, kind)
		for kind in EXTENSION_TYPES
		for row in _rows(client.request("GET", client.client_path("/extension/"), params={"type": kind}))
	]
	frappe.cache.set_value(_cache_key(client), [asdict(e) for e in extensions], expires_in_sec=CACHE_SECONDS)
	return extensions


def find_phone(client: TelphinClient, extension: str) -> Extension:
	"""The phone extension a SIP Account's extension (`101`, or `1234*101`) names."""
	cached = [Extension(**row) for row in frappe.cache.get_value(_cache_key(client), expires=True) or ()]
	# An extension added since the list was kept is looked for in a fresh one.
	found = _phone(cached, extension) or _phone(list_extensions(client), extension)
	if not found:
		raise ProviderCommandError(
			_("Telphin has no phone extension {0} for {1}").format(extension, client.settings.provider)
		)
	return found


def _phone(extensions: list[Extension], extension: str) -> Extension | None:
	return next((e for e in extensions if e.type == "phone" and extension in (e.name, e.short_name)), None)


def _rows(response) -> list:
	rows = read_json(response)
	if not isinstance(rows, list):
		raise ProviderCommandError(_("Telphin's extension list is not a list"))
	return rows


def _extension(row, kind: str) -> Extension:
	if not isinstance(row, dict) or not row.get("id") or not row.get("name"):
		raise ProviderCommandError(_("Telphin listed an extension without id or name"))
	return Extension(str(row["id"]), str(row["name"]), kind)


def _cache_key(client: TelphinClient) -> str:
	return f"telephony_crm:telphin:extensions:{client.settings.provider}"
