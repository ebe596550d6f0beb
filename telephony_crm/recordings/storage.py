"""What recordings take, by month and by provider, and deleting those of calls older than a date.

A recording on the site has a known size; one at the provider is only counted (the provider does not
say how large it is until it is fetched)."""

import frappe
from frappe import _
from frappe.utils import fmt_money, formatdate, getdate

from telephony_crm.calls.engine import CALL_DOCTYPE
from telephony_crm.recordings.removal import remove_recordings_before
from telephony_crm.recordings.state import ON_SITE, PLAYABLE

DELETE_JOB = "telephony_crm.recordings.storage.delete_older_than"
# Sent to the user who asked for a deletion when it has ended.
DELETED_EVENT = "telephony_recordings_deleted"
COUNTS = ("on_site_count", "on_site_bytes", "at_provider_count")


def storage_report() -> dict:
	"""Recordings on the site (count, bytes) and at providers (count) by month started and by provider."""
	rows = frappe.db.sql(
		"""select date_format(started_at, '%%Y-%%m') as month, provider,
			sum(recording_status = %(on_site)s) as on_site_count,
			sum(if(recording_status = %(on_site)s, recording_size, 0)) as on_site_bytes,
			sum(recording_status != %(on_site)s) as at_provider_count
		from `tabTelephony Call Log`
		where recording_status in %(playable)s
		group by month, provider""",
		{"on_site": ON_SITE, "playable": PLAYABLE},
		as_dict=True,
	)
	months, providers, total = {}, {}, dict.fromkeys(COUNTS, 0)
	for row in rows:
		for entry in (months.setdefault(row.month, {}), providers.setdefault(row.provider, {}), total):
			for field in COUNTS:
				entry[field] = entry.get(field, 0) + int(row[field] or 0)
	return {
		"months": [{"month": month, **months[month]} for month in sorted(months, key=str)],
		"providers": [{"provider": name, **providers[name]} for name in sorted(providers)],
		"total": total,
	}


def preview_deletion(before_date) -> dict:
	"""How many recordings `delete_older_than` would remove, how many of them are on the site, and
	the bytes that frees."""
	row = frappe.db.sql(
		"""select count(*) as recordings, coalesce(sum(recording_status = %(on_site)s), 0) as on_site,
			coalesce(sum(if(recording_status = %(on_site)s, recording_size, 0)), 0) as bytes
		from `tabTelephony Call Log`
		where recording_status in %(playable)s and started_at < %(before)s""",
		{"on_site": ON_SITE, "playable": PLAYABLE, "before": getdate(before_date)},
		as_dict=True,
	)[0]
	return {field: int(value) for field, value in row.items()}


def delete_older_than(before_date, user: str) -> None:
	"""Background job: remove the recordings of the calls started before `before_date`, showing `user`
	how far it got, and leave an Activity Log entry of what was removed."""
	before_date = getdate(before_date)
	total = preview_deletion(before_date)["recordings"]
	title = _("Deleting recordings")

	def progress(removal):
		done = removal.recordings + removal.failed
		frappe.publish_realtime(
			"progress",
			{
				"percent": min(100, done * 100 / max(total, 1)),
				"title": title,
				"description": _("{0} of {1}").format(done, total),
			},
			user=user,
		)

	removal = remove_recordings_before(before_date, progress)
	subject = _("Deleted {0} recordings older than {1} ({2})").format(
		removal.recordings, formatdate(before_date), human_size(removal.bytes)
	)
	subject = audit(subject, user, removal.failed)
	frappe.db.commit()
	frappe.publish_realtime(DELETED_EVENT, {"subject": subject}, user=user)


def audit(subject: str, user: str, failed: int = 0) -> str:
	"""An Activity Log entry of a removal (failures named in it); returns its subject."""
	if failed:
		subject = _("{0}; {1} could not be removed, see the Error Log").format(subject, failed)
	frappe.get_doc(
		{
			"doctype": "Activity Log",
			"subject": subject,
			"status": "Failed" if failed else "Success",
			"user": user,
			"reference_doctype": CALL_DOCTYPE,
		}
	).insert(ignore_permissions=True)
	return subject


def human_size(size: int) -> str:
	"""1536 -> "1.5 KB", in the reader's language and the site's number format ("1,5 КБ")."""
	units = (_("B"), _("KB"), _("MB"), _("GB"), _("TB"))
	value, unit = float(size or 0), 0
	while value >= 1024 and unit < len(units) - 1:
		value /= 1024
		unit += 1
	return f"{fmt_money(value, precision=0 if unit == 0 else 1)} {units[unit]}"
