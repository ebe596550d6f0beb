"""The masked copies of a call's numbers, stored beside them at permission level 0: what masked users
see in forms, lists, reports, REST and exports. The engine writes them with the numbers; a change of
the masking's mode or digits rewrites them all, in the background."""

import frappe

from telephony_crm.caller_id.numbers import region_for_provider
from telephony_crm.masking import MASKED_COPIES, masked_number

CALL_DOCTYPE = "Telephony Call Log"
BATCH = 1000
REMASK_JOB = "telephony_crm:remask_numbers"


def set_masked_copies(call) -> None:
	"""Set the call's masked copies from its numbers (the engine, whenever it writes them)."""
	region = region_for_provider(call.provider)
	for raw, copy in MASKED_COPIES.items():
		call.set(copy, masked_number(call.get(raw), region))


def queue_remask() -> None:
	frappe.enqueue(
		"telephony_crm.masking.copies.remask_all_calls",
		queue="long",
		job_id=REMASK_JOB,
		deduplicate=True,
		enqueue_after_commit=True,
	)


def remask_all_calls() -> None:
	"""Rewrite every call's masked copies under the current settings, a batch a transaction, then the
	open call-backs' descriptions. Idempotent: a run cut short is finished by the next."""
	last = ""
	fields = ("name", "provider", *MASKED_COPIES, *MASKED_COPIES.values())
	while True:
		rows = frappe.db.sql(
			f"""select {", ".join(f"`{field}`" for field in fields)} from `tabTelephony Call Log`
			where name > %s order by name limit %s""",
			(last, BATCH),
			as_dict=True,
		)
		if not rows:
			break
		for row in rows:
			_remask(row)
		frappe.db.commit()  # one batch of a background job at a time
		last = rows[-1].name
	# Imported here: the call-backs import the engine, which imports this module.
	from telephony_crm.callbacks.todo import describe_open_callbacks

	describe_open_callbacks()


def _remask(row) -> None:
	region = region_for_provider(row.provider)
	changed = {
		copy: masked
		for raw, copy in MASKED_COPIES.items()
		if (masked := masked_number(row[raw], region)) != row[copy]
	}
	if changed:
		# The copies are derived, not the PBX's report: the call's activity and version stay as they were.
		frappe.db.set_value(CALL_DOCTYPE, row.name, changed, update_modified=False)
