# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class TelephonyCallEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		called_number: DF.Data | None
		caller_number: DF.Data | None
		direction: DF.Data | None
		duration: DF.Data | None
		end_status: DF.Data | None
		event: DF.Data
		event_key: DF.Data | None
		event_time: DF.Datetime
		extension: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		raw_status: DF.Data | None
		recording_id: DF.Data | None
		recording_url: DF.SmallText | None
	# end: auto-generated types
	pass
