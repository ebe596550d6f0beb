"""The commands the site sends a PBX over AMI: place a call (Originate) and end one (Hangup)."""

from telephony_crm.providers.asterisk.channels import ChannelTemplate
from telephony_crm.providers.asterisk.protocol import AmiActionError, AmiClient
from telephony_crm.providers.base import OriginateRequest

AGENT_ANSWER_TIMEOUT_MS = 30_000
NORMAL_CLEARING = "16"
CALL_REJECTED = "21"


async def originate(client: AmiClient, request: OriginateRequest, channels: ChannelTemplate, context: str):
	"""Ring the agent's phone; when they answer, dial the number from `context`.

	`ChannelId` makes the call id the Uniqueid of the agent's channel, and so the Linkedid of every
	channel of the call: its events arrive under the record the site created.
	"""
	caller_id = request.caller_id or request.number
	await client.action(
		"Originate",
		{
			"ActionID": f"originate-{request.call_id}",
			"Channel": channels.dial_string(request.extension),
			"Context": context,
			"Exten": request.number,
			"Priority": "1",
			# Shown on the agent's phone while it rings; the trunk's own caller ID rules apply outside.
			"CallerID": f'"{caller_id}" <{caller_id}>',
			"Timeout": str(AGENT_ANSWER_TIMEOUT_MS),
			"ChannelId": request.call_id,
			"Async": "true",
		},
	)


async def hang_up(client: AmiClient, call_id: str) -> int:
	"""Hang up every channel of the call; a call nobody answered yet is rejected. Returns how many."""
	channels = [c for c in await client.list_action("CoreShowChannels") if c.get("Linkedid") == call_id]
	answered = any(c.get("ChannelStateDesc") == "Up" and c.get("BridgeId") for c in channels)
	cause = NORMAL_CLEARING if answered else CALL_REJECTED
	for channel in channels:
		try:
			await client.action("Hangup", {"Channel": channel["Channel"], "Cause": cause})
		except AmiActionError:
			pass  # gone already: hanging up one half of a Local channel takes the other with it
	return len(channels)
