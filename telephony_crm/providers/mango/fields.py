"""Reading what Mango posts: the `json` form field, an object read field by field (providers.fields)."""

import json

from frappe import _

from telephony_crm.providers.base import WebhookRefused
from telephony_crm.providers.fields import Fields


def read_json(form) -> Fields:
	"""The request's `json` field as an object to read fields from."""
	text = form.get("json")
	if not text:
		raise WebhookRefused(422, _("json is required"), "json")
	try:
		data = json.loads(text)
	except ValueError:
		raise WebhookRefused(422, _("json is not valid JSON"), "json")
	if not isinstance(data, dict):
		raise WebhookRefused(422, _("json must be a JSON object"), "json")
	return Fields(data)
