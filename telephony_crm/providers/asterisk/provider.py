"""Asterisk AMI: calls come in through the connector (`bench telephony-ami-connector`), not webhooks;
click-to-call, hang-up, transfer and hold are short AMI sessions opened by the request that asks for them."""

import asyncio
from urllib.parse import urlsplit

from frappe import _

from telephony_crm.providers.asterisk import actions
from telephony_crm.providers.asterisk.channels import ChannelTemplate
from telephony_crm.providers.asterisk.protocol import AmiClient, AmiError
from telephony_crm.providers.asterisk.settings import AmiSettings
from telephony_crm.providers.base import (
	CallControl,
	LiveCall,
	OriginateRequest,
	ProviderCommandError,
	TelephonyProvider,
	WebhookRefused,
)
from telephony_crm.providers.recording_fetch import RecordingsAtUrl

COMMAND_TIMEOUT_SECONDS = 10


class AsteriskAmiProvider(RecordingsAtUrl, TelephonyProvider):
	provider_type = "Asterisk AMI"
	# Hold needs the `telephony-hold` context in the PBX's dialplan (actions.HOLD_CONTEXT).
	supported_call_controls = frozenset(CallControl)

	def recording_hosts(self) -> list[str]:
		# The recording URL is built from the admin's template: its host is the one to fetch from.
		template = (self.settings.recording_url_template or "").strip()
		return [urlsplit(template).netloc] if template else []

	def recording_deletion_refusal(self) -> str | None:
		return _(
			"AMI cannot delete files on the PBX: remove old recordings there (a cron job in the monitor folder)"
		)

	def authenticate_webhook(self, request) -> None:
		raise WebhookRefused(
			404, _("{0} takes no webhooks: its AMI connector follows the PBX").format(self.name)
		)

	def originate(self, request: OriginateRequest) -> None:
		ami = AmiSettings.from_doc(self.settings)
		channels = ChannelTemplate(ami.channel_template)
		self._run(ami, lambda client: actions.originate(client, request, channels, ami.originate_context))

	def hangup(self, call_id: str) -> None:
		ami = AmiSettings.from_doc(self.settings)
		self._run(ami, lambda client: actions.hang_up(client, call_id))

	def transfer(self, call: LiveCall, target_extension: str, attended: bool = False) -> None:
		ami = AmiSettings.from_doc(self.settings)
		channels = ChannelTemplate(ami.channel_template)
		# The target is dialled as the agents dial each other: from the originate context.
		self._run(
			ami,
			lambda client: actions.transfer(
				client, call, target_extension, channels, ami.originate_context, attended
			),
		)

	def hold(self, call: LiveCall) -> None:
		ami = AmiSettings.from_doc(self.settings)
		channels = ChannelTemplate(ami.channel_template)
		self._run(ami, lambda client: actions.hold(client, call, channels))

	def resume(self, call: LiveCall) -> None:
		ami = AmiSettings.from_doc(self.settings)
		self._run(ami, lambda client: actions.resume(client, call))

	def _run(self, ami: AmiSettings, command) -> None:
		try:
			asyncio.run(asyncio.wait_for(_session(ami, command), COMMAND_TIMEOUT_SECONDS))
		except (AmiError, asyncio.TimeoutError) as error:
			raise ProviderCommandError(
				_("The PBX of {0} did not take the command: {1}").format(self.name, error)
			)


async def _session(ami: AmiSettings, command):
	client = await AmiClient.connect(ami.host, ami.port, label=ami.address)
	try:
		await client.login(ami.username, ami.secret, events="off")
		return await command(client)
	finally:
		await client.close()
