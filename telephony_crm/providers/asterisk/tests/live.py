"""Where the tests find a real Asterisk: TELEPHONY_TEST_AMI=host:port:user:secret, or the site config key
`telephony_test_ami` with the same value. The PBX must run the dialplan in tests/asterisk/."""

import os
from dataclasses import dataclass, field

SKIP_REASON = (
	"no live Asterisk: set TELEPHONY_TEST_AMI=host:port:user:secret (or site config telephony_test_ami) "
	"to a PBX loaded with telephony_crm/providers/asterisk/tests/asterisk/*.conf"
)
# With TELEPHONY_AMI_RECORD=1 the live tests rewrite the fixtures the replay tests play.
RECORD = bool(os.environ.get("TELEPHONY_AMI_RECORD"))


@dataclass(frozen=True)
class LiveAmi:
	host: str
	port: int
	username: str
	secret: str = field(repr=False)


def live_ami() -> LiveAmi | None:
	value = os.environ.get("TELEPHONY_TEST_AMI") or _site_config()
	if not value:
		return None
	host, port, username, secret = value.split(":", 3)
	return LiveAmi(host, int(port), username, secret)


def _site_config() -> str | None:
	try:
		import frappe

		return frappe.conf.get("telephony_test_ami") if frappe.local.conf is not None else None
	except (ImportError, AttributeError, RuntimeError):
		return None
