"""Commands to Telphin: click-to-call (the callback API), hanging up a live call, a recording's file."""

from urllib.parse import quote

from frappe import _

from telephony_crm.providers.base import OriginateRequest, ProviderCommandError, Recording
from telephony_crm.providers.recording_fetch import range_header, streamed_recording
from telephony_crm.providers.telphin import registry
from telephony_crm.providers.telphin.client import TelphinClient, read_json
from telephony_crm.providers.telphin.events import ID_PATTERN
from telephony_crm.providers.telphin.extensions import find_phone


def place_callback(client: TelphinClient, request: OriginateRequest) -> str:
	"""Telphin rings the agent's extension, then dials the number. The call is Telphin's to name: the
	answer's call_id is returned (the app records the call under it); its call_api_id, which events may
	carry as CallBackID, is kept as an alias of it."""
	extension = find_phone(client, request.extension)
	body = {"src_num": [extension.name], "dst_num": request.number}
	if request.caller_id:
		body["dst_ani"] = request.caller_id
	# A 5xx may still have placed the call: a callback is never sent twice.
	response = client.request(
		"POST", f"/extension/{quote(extension.id)}/callback/", json=body, log_body=body, retry_pauses=()
	)
	answer = read_json(response)
	call_api_id = _telphin_id(answer, "call_api_id")
	call_id = _telphin_id(answer, "call_id") or call_api_id
	if not call_id:
		raise ProviderCommandError(_("Telphin answered the callback without a call id"))
	registry.remember_alias(client.settings.provider, call_api_id or call_id, call_id)
	if call_api_id:
		registry.remember_control(client.settings.provider, call_id, extension.id, call_api_id)
	return call_id


def hang_up(client: TelphinClient, call_id: str) -> None:
	"""End every leg of the call Telphin reported live (a 404: that leg has ended already)."""
	provider = client.settings.provider
	targets = registry.control_points(provider, call_id)
	if not targets:
		raise ProviderCommandError(
			_(
				"Telphin has reported no live leg of this call to {0}, so it cannot be hung up from here"
			).format(provider)
		)
	# Marked first: Telphin's hangup event may come before its answer to the command.
	registry.mark_hung_up_by_app(provider, call_id, True)
	try:
		for extension_id, call_api_id in targets:
			client.request(
				"DELETE",
				f"/extension/{quote(extension_id)}/current_calls/{quote(call_api_id)}",
				ok_statuses=(404,),
			)
	except ProviderCommandError:
		registry.mark_hung_up_by_app(provider, call_id, False)
		raise


def fetch_recording(client: TelphinClient, recording_id: str, byte_range: str | None = None) -> Recording:
	"""The recording Telphin keeps under `recording_id` (the RecID of a hangup), streamed from its API."""
	response = client.request(
		"GET", _record_path(client, recording_id), stream=True, headers=range_header(byte_range)
	)
	return streamed_recording(response, default_filename=f"{recording_id}.mp3")


def delete_recording(client: TelphinClient, recording_id: str) -> None:
	"""Delete a recording at Telphin (a 404: it was gone already, which is what was asked)."""
	client.request("DELETE", _record_path(client, recording_id), ok_statuses=(404,))


def _record_path(client: TelphinClient, recording_id: str) -> str:
	if not ID_PATTERN.match(recording_id or ""):
		raise ProviderCommandError(_("{0} is not a Telphin recording id").format(recording_id))
	return client.client_path(f"/record/{quote(recording_id)}")


def _telphin_id(answer, field: str) -> str | None:
	value = answer.get(field) if isinstance(answer, dict) else None
	value = str(value) if value not in (None, "") else None
	if value and not ID_PATTERN.match(value):
		raise ProviderCommandError(_("Telphin answered the callback with an unreadable {0}").format(field))
	return value
