"""Connecting a Telphin account: the app's event URL subscribed on every extension, and taken off again.

Phones get dial-in, dial-out, answer and hangup; queues and IVRs hangup only (Telphin's advice: their
hangup says whether anyone answered). Connecting again changes nothing that is in place; a subscription
of the same event type to another URL is reported and left as it is. The outcome is shown in the
settings' API Status. Run from background jobs and the bench command, never on a webhook.
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import frappe
from frappe import _
from frappe.utils import format_datetime, now_datetime

from telephony_crm.providers.base import ProviderCommandError
from telephony_crm.providers.telphin.client import TelphinClient, TelphinSettings, api_origin, read_json
from telephony_crm.providers.telphin.extensions import Extension, list_extensions
from telephony_crm.request_log import redact_url

SETTINGS_DOCTYPE = "Telephony Provider Settings"
PROVIDER_TYPE = "Telphin"
EVENTS_BY_EXTENSION_TYPE = {
	"phone": ("dial-in", "dial-out", "answer", "hangup"),
	"queue": ("hangup",),
	"ivr": ("hangup",),
}
CREDENTIAL_FIELDS = ("telphin_api_host", "telphin_app_id", "telphin_app_secret", "telphin_client_id")


@dataclass
class Report:
	extensions: dict[str, int] = field(default_factory=dict)  # type -> how many
	made: int = 0
	kept: int = 0
	removed: int = 0
	elsewhere: list[str] = field(default_factory=list)
	errors: list[str] = field(default_factory=list)

	def text(self, title: str) -> str:
		seen = ", ".join(f"{count} {kind}" for kind, count in self.extensions.items()) or _("none")
		lines = [
			f"{title} ({format_datetime(now_datetime())})",
			_("Extensions: {0}").format(seen),
			_("Subscriptions made: {0}, already in place: {1}, removed: {2}").format(
				self.made, self.kept, self.removed
			),
		]
		if self.elsewhere:
			lines.append(_("Sent elsewhere too (left as they are):"))
			lines.extend(f"  {line}" for line in self.elsewhere)
		if self.errors:
			lines.append(_("Errors:"))
			lines.extend(f"  {line}" for line in self.errors)
		return "\n".join(lines)


@dataclass(frozen=True)
class Subscription:
	id: str
	event_type: str
	url: str


def connect(provider_name: str) -> Report:
	"""Subscribe the app's event URL on every extension of the provider's Telphin client."""
	doc = _settings(provider_name)
	url = event_url(doc)
	report = _for_each_extension(
		doc, lambda client, extension, report: _subscribe(client, extension, url, report)
	)
	_show(doc, report.text(_("Connected") if not report.errors else _("Connected with errors")))
	return report


def disconnect(provider_name: str) -> Report:
	"""Remove the app's subscriptions (with this secret or an earlier one) from every extension."""
	doc = _settings(provider_name)
	ours = _without_token(event_url(doc))

	def unsubscribe(client, extension, report):
		for subscription in _subscriptions(client, extension):
			if _without_token(subscription.url) == ours:
				_delete(client, extension, subscription)
				report.removed += 1

	report = _for_each_extension(doc, unsubscribe)
	_show(doc, report.text(_("Disconnected") if not report.errors else _("Disconnected with errors")))
	return report


def event_url(doc) -> str:
	"""The URL Telphin posts the events to, with the webhook secret."""
	return f"{doc.webhook_url}&token={doc.get_password('webhook_secret')}"


def validate_credentials(doc) -> None:
	"""On save of a Telphin record: the host is well-formed and, when the credentials changed, Telphin
	gives a token for them (one request); else a message that says what is wrong."""
	if doc.provider_type != PROVIDER_TYPE:
		return
	origin = api_origin(doc.telphin_api_host)
	secret = doc.telphin_app_secret
	if secret and doc.is_dummy_password(secret):
		secret = doc.get_password("telphin_app_secret", raise_exception=False)
	if not (doc.telphin_app_id and secret) or not (
		doc.is_new() or any(doc.has_value_changed(f) for f in CREDENTIAL_FIELDS)
	):
		return
	client = TelphinClient(
		TelphinSettings(doc.name, origin, doc.telphin_client_id or "@me", doc.telphin_app_id.strip(), secret)
	)
	try:
		client.request_token(retry_pauses=())
	except ProviderCommandError as error:
		frappe.throw(
			_(
				"Telphin gave no token for this App ID and App Secret ({0}). Check them in the trusted application of Telphin's account, and the API host."
			).format(error),
			title=_("Telphin credentials"),
		)
	client.forget_token()


def on_settings_update(doc) -> None:
	"""Enabling a Telphin record connects it, disabling it removes the app's subscriptions (background)."""
	if doc.provider_type != PROVIDER_TYPE or not doc.has_value_changed("enabled"):
		return
	enqueue(connect if doc.enabled else disconnect, doc.name)


def enqueue(job, provider_name: str) -> None:
	frappe.enqueue(
		job,
		provider_name=provider_name,
		queue="short",
		job_id=f"telephony-telphin-{provider_name}",
		deduplicate=True,
		enqueue_after_commit=True,
	)


def _settings(provider_name: str):
	doc = frappe.get_doc(SETTINGS_DOCTYPE, provider_name)
	if doc.provider_type != PROVIDER_TYPE:
		frappe.throw(_("{0} is not a Telphin provider").format(provider_name))
	return doc


def _for_each_extension(doc, action) -> Report:
	"""Run `action(client, extension, report)` on every extension; errors are reported, not raised."""
	report = Report()
	try:
		client = TelphinClient.for_doc(doc)
		extensions = list_extensions(client)
	except (ProviderCommandError, frappe.ValidationError) as error:
		report.errors.append(frappe.utils.strip_html(str(error)))
		return report
	for extension in extensions:
		report.extensions[extension.type] = report.extensions.get(extension.type, 0) + 1
		try:
			action(client, extension, report)
		except ProviderCommandError as error:
			report.errors.append(f"{extension.name}: {error}")
	return report


def _subscribe(client: TelphinClient, extension: Extension, url: str, report: Report) -> None:
	existing = _subscriptions(client, extension)
	for event_type in EVENTS_BY_EXTENSION_TYPE[extension.type]:
		same_type = [s for s in existing if s.event_type == event_type]
		if any(s.url == url for s in same_type):
			report.kept += 1
			continue
		for subscription in same_type:
			if _without_token(subscription.url) == _without_token(url):
				# The app's own, with a secret rotated since: replaced.
				_delete(client, extension, subscription)
				report.removed += 1
			else:
				report.elsewhere.append(f"{extension.name} {event_type}: {redact_url(subscription.url)}")
		body = {"url": url, "event_type": event_type, "method": "POST"}
		client.request(
			"POST",
			f"/extension/{extension.id}/event/",
			json=body,
			log_body={**body, "url": redact_url(url)},
			# The answer repeats the URL and its secret: kept out of the request log.
			stream=True,
		).close()
		report.made += 1


def _subscriptions(client: TelphinClient, extension: Extension) -> list[Subscription]:
	# Streamed, so that the URLs (secrets in them) stay out of the request log.
	response = client.request("GET", f"/extension/{extension.id}/event/", stream=True)
	rows = read_json(response)
	if not isinstance(rows, list):
		raise ProviderCommandError(_("Telphin's list of event subscriptions is not a list"))
	return [
		Subscription(str(row.get("id")), str(row.get("event_type")), str(row.get("url")))
		for row in rows
		if isinstance(row, dict)
	]


def _delete(client: TelphinClient, extension: Extension, subscription: Subscription) -> None:
	client.request("DELETE", f"/extension/{extension.id}/event/{subscription.id}", ok_statuses=(404,))


def _without_token(url: str) -> str:
	parts = urlsplit(url)
	query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "token"]
	return urlunsplit(parts._replace(query=urlencode(query)))


def _show(doc, text: str) -> None:
	doc.db_set("api_status", text, update_modified=False)
	frappe.db.commit()
