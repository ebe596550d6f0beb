"""Click-to-call and hang-up through the provider record, against the replaying server."""

from frappe.tests.utils import FrappeTestCase

from telephony_crm.providers import get_provider
from telephony_crm.providers.asterisk.provider import AsteriskAmiProvider
from telephony_crm.providers.asterisk.tests.ami_server import ReplayAmiServer, ReplaySession, load_transcript
from telephony_crm.providers.asterisk.tests.site import ServerThread, make_asterisk_provider, remove_provider
from telephony_crm.providers.base import OriginateRequest, ProviderCommandError

SECRET = "provider-secret"


def login_session(**changes) -> ReplaySession:
	session = load_transcript("click_to_call")["sessions"][0]
	return ReplaySession(session["banner"], session["frames"][:2], secret=SECRET, **changes)


class TestAsteriskProvider(FrappeTestCase):
	def serve(self, sessions: list[ReplaySession]):
		server = ServerThread(ReplayAmiServer(sessions)).__enter__()
		self.addCleanup(server.__exit__)
		record, _ = make_asterisk_provider(server.port, SECRET)
		self.addCleanup(remove_provider, record.name)
		return server, get_provider(record.name)

	def test_the_provider_type_is_registered(self):
		_, provider = self.serve([])
		self.assertIsInstance(provider, AsteriskAmiProvider)

	def test_click_to_call_rings_the_agent_first_under_the_call_id(self):
		session = load_transcript("click_to_call")["sessions"][0]
		server, provider = self.serve(
			[ReplaySession(session["banner"], session["frames"][:4], secret=SECRET)]
		)
		provider.originate(OriginateRequest("tcrm-0001", "102", "+79161234567", caller_id="+74950000000"))
		originate = next(m for m in server.server.received if m.get("Action") == "Originate")
		self.assertEqual(
			{k: originate[k] for k in ("Channel", "Context", "Exten", "ChannelId", "CallerID", "Async")},
			{
				"Channel": "Local/102@phones",
				"Context": "from-internal",
				"Exten": "+79161234567",
				"ChannelId": "tcrm-0001",
				"CallerID": '"+74950000000" <+74950000000>',
				"Async": "true",
			},
		)
		login = next(m for m in server.server.received if m.get("Action") == "Login")
		self.assertEqual(login["Events"], "off")

	def test_a_pbx_that_cannot_be_reached_is_a_command_error(self):
		_, provider = self.serve([])
		with self.assertRaises(ProviderCommandError):
			provider.originate(OriginateRequest("tcrm-0002", "101", "0612345678"))

	def test_a_wrong_secret_is_a_command_error_without_the_secret(self):
		_, provider = self.serve([login_session()])
		provider.settings.ami_secret = "wrong-secret"
		with self.assertRaises(ProviderCommandError) as refused:
			provider.hangup("tcrm-0003")
		self.assertIn("Authentication failed", str(refused.exception))
		self.assertNotIn("wrong-secret", str(refused.exception))

	def test_hangup_ends_every_channel_of_the_call_and_rejects_an_unanswered_one(self):
		ringing = [
			{
				"Channel": "Local/0677@caller-1;1",
				"Uniqueid": "tcrm-0004",
				"Linkedid": "tcrm-0004",
				"ChannelStateDesc": "Up",
			},
			{
				"Channel": "Local/101@phones-2;1",
				"Uniqueid": "1.2",
				"Linkedid": "tcrm-0004",
				"ChannelStateDesc": "Ringing",
			},
			{
				"Channel": "Local/102@phones-3;1",
				"Uniqueid": "1.3",
				"Linkedid": "another-call",
				"ChannelStateDesc": "Up",
			},
		]
		server, provider = self.serve([login_session(live_channels=ringing)])
		provider.hangup("tcrm-0004")
		hangups = [(m["Channel"], m["Cause"]) for m in server.server.received if m.get("Action") == "Hangup"]
		self.assertEqual(hangups, [("Local/0677@caller-1;1", "21"), ("Local/101@phones-2;1", "21")])
