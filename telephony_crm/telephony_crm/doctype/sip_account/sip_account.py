# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import re

import frappe
from frappe import _
from frappe.model.document import Document


class SIPAccount(Document):
	def validate(self):
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
