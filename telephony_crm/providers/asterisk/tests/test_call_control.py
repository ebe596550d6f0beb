"""Transfer, hold and resume through the provider record: the AMI actions sent to the replaying server,
for the channels it lists as the PBX's live ones (as the lab PBX lists them: Local channels)."""

from frappe.tests.utils import FrappeTestCase

from telephony_crm.providers import get_provider
from telephony_crm.providers.asterisk.actions import HOLD_CONTEXT
from telephony_crm.providers.asterisk.tests.ami_server import ReplayAmiServer
from telephony_crm.providers.asterisk.tests.site import ServerThread, make_asterisk_provider, remove_provider
from telephony_crm.providers.asterisk.tests.test_provider import SECRET, login_session
from telephony_crm.providers.base import LiveCall, ProviderCommandError

CALL = LiveCall("1700000000.7", "101")
CALLER = "Local/0677777777@caller-00000006;1"
AGENT = "Local/101@phones-00000007;1"


def channel(name: str, bridge: str = "", linkedid: str = CALL.call_id, **fields) -> dict:
	return {"Channel": name, "Linkedid": linkedid, "ChannelStateDesc": "Up", "BridgeId": bridge, **fields}


# An answered inbound call: the caller's channel and the agent's bridged; the other halves of the Local
# channels run the simulated parties' dialplan; another call's agent is on 102.
TALKING = [
	channel(CALLER, "bridge-1", Context="from-trunk", Exten="5551000"),
	channel("Local/0677777777@caller-00000006;2", Context="caller"),
	channel(AGENT, "bridge-1", Context="phones"),
	channel("Local/101@phones-00000007;2", Context="phones", Exten="101"),
	channel("Local/102@phones-00000009;1", "bridge-2", linkedid="another-call"),
]
HELD = [
	channel(CALLER, Context=HOLD_CONTEXT, Exten="caller"),
	channel(AGENT, Context=HOLD_CONTEXT, Exten="agent"),
]


class TestAsteriskCallControl(FrappeTestCase):
	def serve(self, live_channels: list[dict]):
		server = ServerThread(ReplayAmiServer([login_session(live_channels=live_channels)])).__enter__()
		self.addCleanup(server.__exit__)
		record, _ = make_asterisk_provider(server.port, SECRET)
		self.addCleanup(remove_provider, record.name)
		return server.server, get_provider(record.name)

	def sent(self, server, *actions: str) -> list[dict]:
		return [m for m in server.received if m.get("Action") in actions]

	def test_blind_transfer_sends_the_agents_peers_to_the_target(self):
		server, provider = self.serve(TALKING)
		provider.transfer(CALL, "102")
		(action,) = self.sent(server, "BlindTransfer", "Atxfer")
		self.assertEqual(
			{k: action[k] for k in ("Action", "Channel", "Context", "Exten")},
			{"Action": "BlindTransfer", "Channel": AGENT, "Context": "from-internal", "Exten": "102"},
		)

	def test_attended_transfer_dials_the_target_from_the_agents_channel(self):
		server, provider = self.serve(TALKING)
		provider.transfer(CALL, "102", attended=True)
		(action,) = self.sent(server, "BlindTransfer", "Atxfer")
		self.assertEqual(
			{k: action[k] for k in ("Action", "Channel", "Context", "Exten")},
			{"Action": "Atxfer", "Channel": AGENT, "Context": "from-internal", "Exten": "102"},
		)

	def test_hold_checks_the_dialplan_then_moves_both_parties_together(self):
		server, provider = self.serve(TALKING)
		provider.hold(CALL)
		checks, (redirect,) = self.sent(server, "ShowDialPlan"), self.sent(server, "Redirect")
		self.assertEqual(
			[(c["Context"], c["Extension"]) for c in checks],
			[(HOLD_CONTEXT, "caller"), (HOLD_CONTEXT, "agent")],
		)
		self.assertEqual(
			{k: v for k, v in redirect.items() if k not in ("Action", "ActionID")},
			{
				"Channel": CALLER,
				"Context": HOLD_CONTEXT,
				"Exten": "caller",
				"Priority": "1",
				"ExtraChannel": AGENT,
				"ExtraContext": HOLD_CONTEXT,
				"ExtraExten": "agent",
				"ExtraPriority": "1",
			},
		)
		self.assertLess(server.received.index(checks[-1]), server.received.index(redirect))

	def test_resume_bridges_the_held_parties_again(self):
		server, provider = self.serve(HELD)
		provider.resume(CALL)
		(bridge,) = self.sent(server, "Bridge")
		self.assertEqual((bridge["Channel1"], bridge["Channel2"]), (AGENT, CALLER))

	def test_a_call_its_agent_is_not_talking_on_is_refused_before_any_action(self):
		for live, command in (
			([channel(CALLER, "bridge-1"), channel("Local/102@phones-1;1", "bridge-1")], "transfer"),
			(HELD, "hold"),  # held already: nobody in a bridge
			(TALKING, "resume"),  # not on hold
			([], "hold"),  # gone
		):
			with self.subTest(command, live=len(live)):
				server, provider = self.serve(live)
				args = (CALL, "103") if command == "transfer" else (CALL,)
				with self.assertRaises(ProviderCommandError) as refused:
					getattr(provider, command)(*args)
				self.assertIn("PBX", str(refused.exception))
				self.assertEqual(self.sent(server, "BlindTransfer", "Atxfer", "Redirect", "Bridge"), [])

	def test_a_conference_is_not_held(self):
		three = [*TALKING[:4], channel("Local/103@phones-2;1", "bridge-1")]
		server, provider = self.serve(three)
		with self.assertRaises(ProviderCommandError):
			provider.hold(CALL)
		self.assertEqual(self.sent(server, "Redirect"), [])
