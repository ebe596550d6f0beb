"""Commands to a Generic Webhook PBX: a JSON POST to its control URL, signed with the webhook secret.

The PBX checks `X-Telephony-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>`.
"""

import hashlib
import hmac
import json

from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.http import provider_request

SIGNATURE_HEADER = "X-Telephony-Signature"


def sign(body: bytes, secret: str) -> str:
	return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_command(settings, command: dict) -> None:
	if not settings.control_url:
		raise ProviderCommandError(
			_("{0} has no Control URL: set one to place and end calls from the desk").format(settings.name)
		)
	body = json.dumps(command, separators=(",", ":")).encode()
	secret = settings.get_password("webhook_secret")
	headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
	provider_request(
		settings.name, "POST", settings.control_url, data=body, headers=headers, log_body=command
	)
