"""The lab PBX (providers/asterisk/tests/asterisk) for the softphone's tests and benchmark: its browser
lines' contacts, calls placed to them over AMI, the media counts of a line's channel, and its events."""

import asyncio
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

from telephony_crm.providers.asterisk.protocol import AmiActionError, AmiClient, AmiConnectionError
from telephony_crm.providers.asterisk.tests.live import LiveAmi
from telephony_crm.tests.factories import make_provider, use_region

# Chromium with a fake microphone and camera, a granted media permission, the ringtone playing without
# a click, and WebRTC allowed on loopback (the lab's only ICE candidate is 127.0.0.1).
MEDIA_ARGS = (
	"--use-fake-ui-for-media-stream",
	"--use-fake-device-for-media-stream",
	"--allow-loopback-in-peer-connection",
	"--autoplay-policy=no-user-gesture-required",
	# Host candidates as addresses, not mDNS names the PBX cannot resolve.
	"--disable-features=WebRtcHideLocalIpsWithMdns",
)
WEBSOCKET_URL = "ws://127.0.0.1:8088/ws"
# Held by whoever restarts the lab PBX, so tests sharing it wait (LAB_PBX_LOCK names another file).
PBX_LOCK = os.environ.get("LAB_PBX_LOCK") or os.path.join(tempfile.gettempdir(), "lab-pbx.lock")


def line_password(extension: str) -> str:
	return f"lab-{extension}-secret"


def make_lab_provider(ami: LiveAmi) -> str:
	"""An Asterisk provider on the lab PBX, its lines dialled as PJSIP endpoints, its browser lines
	registering at WEBSOCKET_URL: its name."""
	use_region()
	return make_provider(
		provider_type="Asterisk AMI",
		ami_host=ami.host,
		ami_port=ami.port,
		ami_username=ami.username,
		ami_secret=ami.secret,
		agent_channel_template="PJSIP/{extension}",
		originate_context="lines",
		browser_websocket_url=WEBSOCKET_URL,
	).name


class LabPbx:
	def __init__(self, ami: LiveAmi):
		self.ami = ami

	def run(self, work):
		async def session():
			client = await AmiClient.connect(self.ami.host, self.ami.port)
			try:
				await client.login(self.ami.username, self.ami.secret, events="off")
				return await work(client)
			finally:
				await client.close()

		# A thread of its own: Playwright's sync API keeps an event loop running in the test's.
		with ThreadPoolExecutor(max_workers=1) as pool:
			return pool.submit(asyncio.run, session()).result()

	def contacts(self, extension: str) -> list[str]:
		"""The URIs the line is registered at now."""
		try:
			events = self.run(lambda client: client.list_action("PJSIPShowContacts"))
		except AmiActionError as error:
			if "No Contacts found" in str(error):
				return []  # the PBX answers an empty list with an error
			raise
		# A contact's object is named `<aor>;@<hash>`.
		return [
			e.get("Uri")
			for e in events
			if e.get("Event") == "ContactList" and (e.get("ObjectName") or "").split(";")[0] == extension
		]

	def ring_line(self, extension: str, caller: str, channel_id: str) -> None:
		"""A call from outside (`caller`, a steady tone) to the browser line, as the trunk would bring it."""
		self.run(
			lambda client: client.action(
				"Originate",
				{
					"Channel": f"Local/{caller}@caller-tone",
					"Context": "from-trunk-lines",
					"Exten": f"5556{extension}",
					"Priority": "1",
					"CallerID": caller,
					"ChannelId": channel_id,
					"Async": "true",
				},
			)
		)

	def line_channel(self, extension: str) -> str | None:
		channels = self.run(lambda client: client.list_action("CoreShowChannels"))
		return next(
			(c["Channel"] for c in channels if c.get("Channel", "").startswith(f"PJSIP/{extension}-")), None
		)

	def rtp_counts(self, channel: str) -> tuple[int, int]:
		"""(packets the PBX received from the line, packets it sent to it) on the line's channel."""
		answer = self.run(
			lambda client: client.action("Getvar", {"Channel": channel, "Variable": "CHANNEL(rtcp,all)"})
		)
		fields = dict(part.split("=", 1) for part in (answer.get("Value") or "").split(";") if "=" in part)
		if "rxcount" not in fields:
			raise AssertionError(f"no RTP statistics for {channel}: {answer}")
		return int(fields["rxcount"]), int(fields["txcount"])

	def hang_up_all(self, extension: str) -> None:
		async def work(client):
			for channel in await client.list_action("CoreShowChannels"):
				if channel.get("Channel", "").startswith(f"PJSIP/{extension}-"):
					await client.action("Hangup", {"Channel": channel["Channel"]})

		self.run(work)


class PbxEvents:
	"""`with` one: the PBX's user events (and dial events), collected in a thread while the block runs."""

	def __init__(self, ami: LiveAmi, classes: str = "user,call"):
		self.ami = ami
		self.classes = classes
		self.events: list[dict] = []
		self._ready = threading.Event()
		self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

	def __enter__(self):
		self._thread.start()
		self._ready.wait(10)
		return self

	def __exit__(self, *exc):
		self._loop.call_soon_threadsafe(self._task.cancel)
		self._thread.join(10)

	async def _main(self):
		self._loop = asyncio.get_running_loop()
		self._task = asyncio.current_task()
		client = await AmiClient.connect(self.ami.host, self.ami.port)
		try:
			await client.login(self.ami.username, self.ami.secret, events=self.classes)
			self._ready.set()
			while True:
				self.events.append(await client.next_event())
		except (asyncio.CancelledError, AmiConnectionError):
			pass
		finally:
			await client.close()
