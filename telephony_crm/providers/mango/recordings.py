"""A call's recording from Mango Office: queries/recording/post answers 302 with a one-time link to
the file, which is followed only to Mango's own hosts, and streamed on."""

from urllib.parse import urljoin, urlsplit

from frappe import _

from telephony_crm.providers.base import ProviderCommandError, Recording
from telephony_crm.providers.http import provider_request
from telephony_crm.providers.mango.api import MangoApi
from telephony_crm.providers.recording_fetch import range_header, streamed_recording

FILES_HOST = "files.mango-office.ru"


def fetch_recording(api: MangoApi, recording_id: str, byte_range: str | None = None) -> Recording:
	answer = api.post(
		"queries/recording/post", {"recording_id": recording_id, "action": "download"}, ok_statuses=(302,)
	)
	# One-time links: a second try of the same link would be refused, so none is made.
	audio = provider_request(
		api.settings.name,
		"GET",
		_file_url(api, answer),
		stream=True,
		retry_pauses=(),
		headers=range_header(byte_range),
	)
	return streamed_recording(audio)


def _file_url(api: MangoApi, answer) -> str:
	location = answer.headers.get("Location") if answer.status_code == 302 else None
	if not location:
		raise ProviderCommandError(
			_("{0}: Mango Office gave no link to the recording (HTTP {1})").format(
				api.settings.name, answer.status_code
			)
		)
	url = urljoin(api.base, location)
	base = urlsplit(api.base)
	target = urlsplit(url)
	if target.hostname not in (FILES_HOST, base.hostname) or target.scheme not in ("https", base.scheme):
		raise ProviderCommandError(
			_("{0}: the recording's link leads outside Mango Office ({1}) and was not followed").format(
				api.settings.name, target.hostname
			)
		)
	return url
