# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import secrets
from urllib.parse import quote

import frappe
from frappe.model.document import Document
from frappe.utils import get_url

from telephony_crm.calls.dialling import check_short_patterns
from telephony_crm.lines.settings import check_auto_line_settings
from telephony_crm.lines.user_lines import apply_to_existing_users
from telephony_crm.providers import provider_class
from telephony_crm.recordings.settings import check_recording_settings
from telephony_crm.routing.forwarding import check_forward_settings
from telephony_crm.softphone.settings import check_browser_settings

WEBHOOK_METHOD = "telephony_crm.api.webhook.receive"
# Mango Office appends its own paths to the URL it is given, which a Frappe method cannot take.
MANGO_ROUTE = "telephony/mango"


class TelephonyProviderSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		agent_channel_template: DF.Data | None
		api_status: DF.SmallText | None
		ami_host: DF.Data | None
		ami_port: DF.Int
		ami_secret: DF.Password | None
		ami_status: DF.SmallText | None
		ami_username: DF.Data | None
		browser_stun_servers: DF.SmallText | None
		browser_turn_credential: DF.Password | None
		browser_turn_servers: DF.SmallText | None
		browser_turn_username: DF.Data | None
		browser_websocket_url: DF.Data | None
		control_secret: DF.Password | None
		control_url: DF.Data | None
		default_region: DF.Link | None
		dial_timeout: DF.Int
		enabled: DF.Check
		forward_number: DF.Data | None
		mango_api_base: DF.Data | None
		mango_api_key: DF.Data | None
		mango_api_salt: DF.Password | None
		mango_line_number: DF.Data | None
		is_default_outgoing: DF.Check
		originate_context: DF.Data | None
		provider_name: DF.Data
		provider_type: DF.Literal["Generic Webhook", "Asterisk AMI", "Telphin", "Mango Office"]
		recording_url_template: DF.Data | None
		telphin_api_host: DF.Data | None
		telphin_app_id: DF.Data | None
		telphin_app_secret: DF.Password | None
		telphin_client_id: DF.Data | None
		webhook_secret: DF.Password | None

	# end: auto-generated types
	@property
	def webhook_url(self) -> str:
		"""Where the PBX posts its events; the secret travels separately (header or token parameter)."""
		return get_url(
			f"/api/method/{WEBHOOK_METHOD}?provider={quote(self.name or self.provider_name or '')}"
		)

	@property
	def mango_events_url(self) -> str:
		"""The base URL Mango Office posts to; it appends events/call, events/summary, result/... itself."""
		return get_url(f"/{MANGO_ROUTE}/{quote(self.name or self.provider_name or '')}/")

	@property
	def twilio_voice_url(self) -> str:
		"""The voice webhook of the provider's Twilio number."""
		return f"{self.webhook_url}&twilio=voice"

	def before_insert(self):
		self.webhook_secret = new_secret()
		self.control_secret = new_secret()

	def validate(self):
		check_short_patterns(self.dial_short_numbers)
		provider_class(self.provider_type).check_settings(self)
		check_recording_settings(self)
		check_auto_line_settings(self)
		check_browser_settings(self)
		check_forward_settings(self)

	def on_update(self):
		if self.is_default_outgoing:
			self.unset_other_defaults()
		provider_class(self.provider_type).settings_saved(self)
		apply_to_existing_users(self.name)

	def unset_other_defaults(self):
		frappe.db.set_value(
			"Telephony Provider Settings",
			{"is_default_outgoing": 1, "name": ("!=", self.name)},
			"is_default_outgoing",
			0,
		)

	@frappe.whitelist(methods=["POST"])
	def rotate_webhook_secret(self) -> str:
		"""Replace the secret the PBX authenticates its webhooks with; returns the new webhook URL."""
		self._replace_secret("webhook_secret")
		return self.get_webhook_url_with_secret()

	@frappe.whitelist(methods=["POST"])
	def rotate_control_secret(self) -> str:
		"""Replace the secret the app signs its commands to the PBX with; returns it."""
		self._replace_secret("control_secret")
		return self.get_control_secret()

	def _replace_secret(self, field: str) -> None:
		self.check_permission("write")
		self.set(field, new_secret())
		self.save()

	@frappe.whitelist(methods=["POST"])
	def get_webhook_url_with_secret(self) -> str:
		self.check_permission("write")
		return f"{self.webhook_url}&token={self.get_password('webhook_secret')}"

	@frappe.whitelist(methods=["POST"])
	def get_control_secret(self) -> str:
		self.check_permission("write")
		return self.get_password("control_secret")


def new_secret() -> str:
	return secrets.token_urlsafe(32)
