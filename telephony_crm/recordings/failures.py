"""What a failed recording step says on the call."""

import frappe
from frappe import _

from telephony_crm.providers.base import WebhookRefused


def failure_reason(error: Exception, title: str) -> str:
	"""The error for people: a provider's or the file's own message as it is; anything else is the
	app's own fault, so its traceback goes to the Error Log and the call says where."""
	if isinstance(error, WebhookRefused):
		return error.message
	if isinstance(error, frappe.ValidationError | OSError):
		return str(error)
	log = frappe.log_error(title=title)
	return _("unexpected error (Error Log {0})").format(log.name)
