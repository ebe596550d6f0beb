"""Calls recorded before participants, origin-marked links and cleaned event values existed, and
providers made before the control secret: brought to what the engine writes now."""

import frappe

from telephony_crm.calls.validation import clean_number, clean_text, is_recording_url
from telephony_crm.telephony_crm.doctype.telephony_provider_settings.telephony_provider_settings import (
	new_secret,
)


def recording_url(value):
	return value if is_recording_url(value) else None


# What a PBX may have put into the desk's HTML before every event was cleaned where it is built.
OUTSIDE_STRINGS = {
	"Telephony Call Log": {
		"caller_number": clean_number,
		"called_number": clean_number,
		"extension": clean_number,
		"external_number": clean_number,
		"caller_name": clean_text,
		"call_id": clean_text,
		"recording_url": recording_url,
	},
	"Telephony Call Event": {
		"caller_number": clean_number,
		"called_number": clean_number,
		"extension": clean_number,
		"raw_status": clean_text,
		"recording_url": recording_url,
	},
}


def execute():
	_move_links()
	_add_participants()
	_clean_outside_strings()
	for name in frappe.get_all("Telephony Provider Settings", pluck="name"):
		provider = frappe.get_doc("Telephony Provider Settings", name)
		if not provider.get_password("control_secret", raise_exception=False):
			provider.control_secret = new_secret()
			provider.save(ignore_permissions=True)


def _move_links():
	"""The call's links were Dynamic Link rows; who added them is not known, so none is replaced later."""
	frappe.db.sql(
		"""insert into `tabTelephony Call Link` (name, creation, modified, modified_by, owner, docstatus,
			idx, parent, parentfield, parenttype, link_doctype, link_name, link_title, origin)
		select name, creation, modified, modified_by, owner, docstatus, idx, parent, parentfield,
			parenttype, link_doctype, link_name, link_title, 'Added'
		from `tabDynamic Link` where parenttype = 'Telephony Call Log' and parentfield = 'links'"""
	)
	frappe.db.delete("Dynamic Link", {"parenttype": "Telephony Call Log", "parentfield": "links"})


def _add_participants():
	"""The agent, who answered, and the users of the extensions that rang."""
	frappe.db.sql(
		"""insert into `tabTelephony Call Participant` (name, creation, modified, modified_by, owner,
			docstatus, idx, parent, parentfield, parenttype, user, extension)
		select uuid(), now(), now(), 'Administrator', 'Administrator', 0, 0, t.parent, 'participants',
			'Telephony Call Log', t.user, max(t.extension)
		from (
			select name as parent, agent as user, null as extension from `tabTelephony Call Log`
				where agent is not null
			union select name, answered_by, null from `tabTelephony Call Log` where answered_by is not null
			union select e.parent, s.user, e.extension from `tabTelephony Call Event` e
				join `tabTelephony Call Log` c on c.name = e.parent
				join `tabSIP Account` s on s.provider = c.provider and s.extension = e.extension
				where e.event = 'ringing' and s.enabled = 1
		) t group by t.parent, t.user"""
	)


def _clean_outside_strings():
	for doctype, fields in OUTSIDE_STRINGS.items():
		for field, clean in fields.items():
			rows = frappe.db.sql(
				f"select name, `{field}` from `tab{doctype}` where `{field}` regexp %s", ("[<>\"'`]",)
			)
			for name, value in rows:
				frappe.db.set_value(doctype, name, field, clean(value), update_modified=False)
