"""The provider types the app knows, and the way to reach a connected provider by its record's name."""

import frappe
from frappe import _

from telephony_crm.providers.base import TelephonyProvider, WebhookRefused

PROVIDER_CLASSES = {
	"Generic Webhook": "telephony_crm.providers.generic_webhook.provider.GenericWebhookProvider",
	"Asterisk AMI": "telephony_crm.providers.asterisk.provider.AsteriskAmiProvider",
	"Telphin": "telephony_crm.providers.telphin.provider.TelphinProvider",
	"Mango Office": "telephony_crm.providers.mango.provider.MangoOfficeProvider",
	"Zadarma": "telephony_crm.providers.zadarma.provider.ZadarmaProvider",
	"Exotel": "telephony_crm.providers.exotel.provider.ExotelProvider",
	"Twilio": "telephony_crm.providers.twilio.provider.TwilioProvider",
}

SETTINGS_DOCTYPE = "Telephony Provider Settings"


def provider_class(provider_type: str) -> type[TelephonyProvider]:
	return frappe.get_attr(PROVIDER_CLASSES[provider_type])


def get_provider(name: str | None, *, enabled_only: bool = True) -> TelephonyProvider:
	"""The provider behind a settings record; WebhookRefused(404) when unknown or disabled."""
	settings = _cached_settings(name) if name else None
	if not settings or (enabled_only and not settings.enabled):
		raise WebhookRefused(404, _("Unknown or disabled telephony provider: {0}").format(name or "(none)"))
	return provider_class(settings.provider_type)(settings)


def _cached_settings(name: str):
	"""The provider's record from the cache, where a PBX's request finds it without asking the database."""
	try:
		return frappe.get_cached_doc(SETTINGS_DOCTYPE, name)
	except frappe.DoesNotExistError:
		frappe.clear_last_message()  # its "not found" is the caller's to word
		return None
