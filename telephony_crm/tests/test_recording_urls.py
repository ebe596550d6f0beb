"""Which recording URLs the site fetches: only the provider's own hosts, never a private address by name."""

from frappe.tests.utils import FrappeTestCase

from telephony_crm.providers.recording_fetch import RecordingRefused, check_url, range_header


class TestRecordingUrls(FrappeTestCase):
	def assertRefused(self, url: str, hosts: list[str], reason: str):
		with self.assertRaisesRegex(RecordingRefused, reason):
			check_url(url, hosts)

	def test_only_the_providers_hosts_are_fetched(self):
		check_url("http://127.0.0.1:8081/rec/1.mp3", ["127.0.0.1:8081"])
		check_url("https://8.8.8.8/rec/1.mp3", ["8.8.8.8"])
		self.assertRefused("http://127.0.0.1:8082/rec/1.mp3", ["127.0.0.1:8081"], "not a recording host")
		self.assertRefused("http://10.0.0.7/rec/1.mp3", ["127.0.0.1:8081"], "not a recording host")
		self.assertRefused("https://evil.example/rec.mp3", [], "not a recording host")
		# A host given without a port is its scheme's default port only.
		self.assertRefused("https://8.8.8.8:8443/rec.mp3", ["8.8.8.8"], "not a recording host")

	def test_cloud_metadata_and_other_schemes_are_refused(self):
		self.assertRefused("http://169.254.169.254/latest/meta-data/", ["pbx.example.com"], "not a recording")
		self.assertRefused("file:///etc/passwd", ["pbx.example.com"], "not an http")
		self.assertRefused("gopher://127.0.0.1:25/", ["127.0.0.1:25"], "not an http")
		self.assertRefused("http://127.0.0.1:99999/", ["127.0.0.1"], "invalid port")

	def test_a_name_that_resolves_to_a_private_address_is_refused(self):
		# `localhost` may be rebound to anything; only an address written in the settings is trusted.
		self.assertRefused("http://localhost:8081/rec.mp3", ["localhost:8081"], "private address")

	def test_only_a_plain_byte_range_is_passed_on(self):
		self.assertEqual(range_header("bytes=100-"), {"Range": "bytes=100-"})
		self.assertEqual(range_header("bytes=0-99"), {"Range": "bytes=0-99"})
		self.assertEqual(range_header("bytes=0-1,5-9"), {})
		self.assertEqual(range_header("items=1-2\r\nX-Evil: 1"), {})
		self.assertEqual(range_header(None), {})
