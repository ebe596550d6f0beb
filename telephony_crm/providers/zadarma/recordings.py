"""A call's recording from Zadarma: /v1/pbx/record/request/ gives a short-lived link to the file, which is
followed only to Zadarma's own hosts, and streamed on."""

from urllib.parse import urlsplit

from frappe import _

from telephony_crm.providers.base import ProviderCommandError, Recording
from telephony_crm.providers.http import provider_request
from telephony_crm.providers.recording_fetch import range_header, streamed_recording
from telephony_crm.providers.zadarma.api import ZadarmaApi

RECORD_PATH = "/v1/pbx/record/request/"
FILES_DOMAIN = "zadarma.com"
LINK_LIFETIME_SECONDS = 180  # the shortest Zadarma allows: the link is used at once


def fetch_recording(api: ZadarmaApi, recording_id: str, byte_range: str | None = None) -> Recording:
	answer = api.get(RECORD_PATH, {"call_id": recording_id, "lifetime": LINK_LIFETIME_SECONDS})
	audio = provider_request(
		api.settings.name, "GET", _file_url(api, answer), stream=True, headers=range_header(byte_range)
	)
	return streamed_recording(audio)


def _file_url(api: ZadarmaApi, answer: dict) -> str:
	link = answer.get("link") or next(iter(answer.get("links") or ()), None)
	if not isinstance(link, str) or not link:
		raise ProviderCommandError(_("{0}: Zadarma gave no link to the recording").format(api.settings.name))
	target = urlsplit(link)
	host = target.hostname or ""
	ours = host == FILES_DOMAIN or host.endswith("." + FILES_DOMAIN)
	if not (ours and target.scheme == "https") and target.netloc != api.origin:
		raise ProviderCommandError(
			_("{0}: the recording's link leads outside Zadarma ({1}) and was not followed").format(
				api.settings.name, host
			)
		)
	return link
