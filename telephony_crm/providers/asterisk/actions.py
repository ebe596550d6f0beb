"""The commands the site sends a PBX over AMI: place a call (Originate), end one (Hangup), transfer one
(BlindTransfer, Atxfer), and hold and resume one (Redirect into the hold context, Bridge back)."""

from telephony_crm.providers.asterisk.channels import ChannelTemplate
from telephony_crm.providers.asterisk.protocol import AmiActionError, AmiClient
from telephony_crm.providers.base import LiveCall, OriginateRequest

AGENT_ANSWER_TIMEOUT_MS = 30_000
NORMAL_CLEARING = "16"
CALL_REJECTED = "21"
# AMI has no hold action. The caller and the agent are redirected together (one alone would hang the
# other up) into this context, which the PBX's dialplan must have: `caller` plays the music, `agent`
# waits in silence; Resume bridges the two again. Redirecting to an extension that does not exist hangs
# channels up, so the context is checked first.
HOLD_CONTEXT = "telephony-hold"
HOLD_CALLER = "caller"
HOLD_AGENT = "agent"


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


async def transfer(
	client: AmiClient, call: LiveCall, target: str, channels: ChannelTemplate, context: str, attended: bool
) -> None:
	"""Blind: the agent's bridge peers (the caller) are sent to `target` in `context`, the agent's channel
	hung up. Attended (Atxfer): the agent's channel dials `target` while the caller waits on hold; the
	transfer completes when the agent hangs up."""
	agent = _agent_channel(await _channels(client, call.call_id), call, channels)
	action = "Atxfer" if attended else "BlindTransfer"
	await client.action(action, {"Channel": agent["Channel"], "Context": context, "Exten": target})


async def hold(client: AmiClient, call: LiveCall, channels: ChannelTemplate) -> None:
	live = await _channels(client, call.call_id)
	agent = _agent_channel(live, call, channels)
	peers = [c for c in live if c.get("BridgeId") == agent["BridgeId"] and c["Channel"] != agent["Channel"]]
	if len(peers) != 1:
		raise AmiActionError(
			f"the call's bridge has {len(peers)} other channels; only a two-party call is held"
		)
	for extension in (HOLD_CALLER, HOLD_AGENT):
		# An error answer (no such context or extension) stops the hold before any channel moves.
		await client.action("ShowDialPlan", {"Context": HOLD_CONTEXT, "Extension": extension})
	await client.action(
		"Redirect",
		{
			"Channel": peers[0]["Channel"],
			"Context": HOLD_CONTEXT,
			"Exten": HOLD_CALLER,
			"Priority": "1",
			"ExtraChannel": agent["Channel"],
			"ExtraContext": HOLD_CONTEXT,
			"ExtraExten": HOLD_AGENT,
			"ExtraPriority": "1",
		},
	)


async def resume(client: AmiClient, call: LiveCall) -> None:
	live = await _channels(client, call.call_id)
	# Bridged again, the two stay in the hold context's dialplan: only those out of a bridge are held.
	held = {c.get("Exten"): c for c in live if c.get("Context") == HOLD_CONTEXT and not c.get("BridgeId")}
	if not (HOLD_CALLER in held and HOLD_AGENT in held):
		raise AmiActionError("the call is not on hold (or one of its parties hung up)")
	await client.action(
		"Bridge", {"Channel1": held[HOLD_AGENT]["Channel"], "Channel2": held[HOLD_CALLER]["Channel"]}
	)


async def _channels(client: AmiClient, call_id: str) -> list[dict]:
	return [c for c in await client.list_action("CoreShowChannels") if c.get("Linkedid") == call_id]


def _agent_channel(live: list[dict], call: LiveCall, channels: ChannelTemplate) -> dict:
	"""The agent's phone's channel in the call's bridge (of a Local channel, the half in the bridge)."""
	for channel in live:
		if channel.get("BridgeId") and channels.extension_of(channel.get("Channel")) == call.extension:
			return channel
	raise AmiActionError(f"extension {call.extension} is not talking on the call")
