# Copyright (c) 2026, Telephony CRM Developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class TelephonySettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		default_region: DF.Link | None
		log_requests: DF.Check
		popup_bottom_offset: DF.Int
		popups_enabled: DF.Check
	# end: auto-generated types
	pass
