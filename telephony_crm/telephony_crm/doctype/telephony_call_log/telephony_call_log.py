# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from telephony_crm.analytics.indexes import add_indexes
from telephony_crm.calls.engine import is_engine_writing
from telephony_crm.calls.guard import guard_pbx_facts
from telephony_crm.realtime import publish_call
from telephony_crm.recordings.files import remove_file


class TelephonyCallLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.core.doctype.dynamic_link.dynamic_link import DynamicLink
		from frappe.types import DF

		from telephony_crm.telephony_crm.doctype.telephony_call_event.telephony_call_event import (
			TelephonyCallEvent,
		)

		agent: DF.Link | None
		answered_at: DF.Datetime | None
		answered_by: DF.Link | None
		call_id: DF.Data
		called_number: DF.Data | None
		called_number_display: DF.Data | None
		caller_name: DF.Data | None
		caller_number: DF.Data | None
		caller_number_display: DF.Data | None
		contact: DF.Link | None
		customer: DF.Link | None
		direction: DF.Literal["Inbound", "Outbound", "Internal"]
		ended_at: DF.Datetime | None
		events: DF.Table[TelephonyCallEvent]
		extension: DF.Data | None
		external_number: DF.Data | None
		external_number_display: DF.Data | None
		lead: DF.Link | None
		links: DF.Table[DynamicLink]
		notes: DF.TextEditor | None
		provider: DF.Link
		recording_id: DF.Data | None
		recording_url: DF.SmallText | None
		ring_duration: DF.Int
		started_at: DF.Datetime | None
		status: DF.Literal[
			"Ringing", "In Progress", "Completed", "Missed", "No Answer", "Busy", "Failed", "Rejected"
		]
		talk_duration: DF.Int
	# end: auto-generated types
	"""One call through one provider. Its facts are derived by the call engine from the call's events;
	people add notes and links."""

	def validate(self):
		if is_engine_writing():
			# The record's activity names the PBX that reported the change, not the request's user (Guest).
			self.modified_by = self.provider
			return
		guard_pbx_facts(self)

	def on_update(self):
		# Every save (a new call, a note, a document made from the call, a caller found anew) reaches
		# the popups; the engine's lean update of an event, which does not save, publishes by itself.
		publish_call(self)

	def on_trash(self):
		# The site's copy of the recording goes with the call (it is not an attachment Frappe removes).
		remove_file(self.recording_file)


def on_doctype_update():
	# One record per call per provider, whatever order or concurrency the events arrive in.
	frappe.db.add_unique(
		"Telephony Call Log", ["provider", "call_id"], constraint_name="unique_provider_call"
	)
	frappe.db.add_index("Telephony Call Log", ["agent", "started_at"])
	# A caller's recent calls in the popup, and forgetting a deleted customer, contact or lead.
	for party in ("customer", "contact", "lead"):
		frappe.db.add_index("Telephony Call Log", [party, "started_at"])
	# The copy job's retries, and the storage report by month.
	frappe.db.add_index("Telephony Call Log", ["recording_retry_at"])
	frappe.db.add_index("Telephony Call Log", ["recording_status", "started_at"])
	# The reports' grouped figures and call-back lookups.
	add_indexes("Telephony Call Log")
