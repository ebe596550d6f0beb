"""Commands to a Generic Webhook PBX: a JSON POST to its control URL, signed with the control secret.

The PBX checks `X-Telephony-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>`.
The control secret is not the webhook secret: one that leaks from a PBX's webhook configuration does not
let anyone command the PBX, and each is rotated on its own.
"""

import hashlib
import hmac
import json

from frappe import _

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.http import RETRY_PAUSES, provider_request

SIGNATURE_HEADER = "X-Telephony-Signature"
# A 5xx may still have done what these asked: placed the call, or handed it to the target (a second
# transfer would move the target's call on). They are never sent twice.
UNREPEATED_ACTIONS = ("originate", "transfer")


def sign(body: bytes, secret: str) -> str:
	return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_command(settings, command: dict) -> None:
	if not settings.control_url:
		raise ProviderCommandError(
			_("{0} has no Control URL: set one to place and end calls from the desk").format(settings.name)
		)
	body = json.dumps(command, separators=(",", ":")).encode()
	secret = settings.get_password("control_secret", raise_exception=False)
	if not secret:
		raise ProviderCommandError(
			_("{0} has no control secret: rotate it on the provider to sign commands").format(settings.name)
		)
	headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
	provider_request(
		settings.name,
		"POST",
		settings.control_url,
		data=body,
		headers=headers,
		log_body=command,
		retry_pauses=() if command["action"] in UNREPEATED_ACTIONS else RETRY_PAUSES,
	)
