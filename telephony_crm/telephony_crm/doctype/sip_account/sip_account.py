# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import re

import frappe
from frappe import _
from frappe.model.document import Document

from telephony_crm.lines.registration import guard_registration_fields


class SIPAccount(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accept_incoming: DF.Check
		browser_calls: DF.Check
		enabled: DF.Check
		extension: DF.Data
		outgoing_rewrite_pattern: DF.Data | None
		outgoing_rewrite_replacement: DF.Data | None
		provider: DF.Link
		registration_detail: DF.Data | None
		registration_since: DF.Datetime | None
		registration_status: DF.Literal["Unknown", "Registered", "Unregistered", "Unreachable"]
		sip_domain: DF.Data | None
		sip_host: DF.Data | None
		sip_login: DF.Data | None
		sip_password: DF.Password | None
		user: DF.Link

	# end: auto-generated types
	def validate(self):
		guard_registration_fields(self)
		self.extension = (self.extension or "").strip()
		self.validate_unique_extension()
		self.validate_rewrite_rule()

	def validate_unique_extension(self):
		filters = {"provider": self.provider, "extension": self.extension}
		if not self.is_new():
			filters["name"] = ("!=", self.name)
		taken_by = frappe.db.get_value("SIP Account", filters, "user")
		if taken_by:
			frappe.throw(
				_("Extension {0} of {1} is already {2}'s line").format(
					self.extension, self.provider, taken_by
				),
				frappe.UniqueValidationError,
			)

	def validate_rewrite_rule(self):
		if not self.outgoing_rewrite_pattern:
			return
		try:
			re.compile(self.outgoing_rewrite_pattern)
		except re.error as error:
			frappe.throw(_("The rewrite pattern is not a valid regular expression: {0}").format(error))


def on_doctype_update():
	frappe.db.add_unique(
		"SIP Account", ["provider", "extension"], constraint_name="unique_provider_extension"
	)
