"""Who is calling: one indexed query on the phone index."""

from dataclasses import dataclass, field

import frappe

from telephony_crm.caller_id.index import INDEX_DOCTYPE

# When several records share a number: a contact of a customer says most, then the customer itself.
_PRIORITY = {"Contact": 0, "Customer": 1, "Lead": 2}


@dataclass(frozen=True)
class Record:
	doctype: str
	name: str
	title: str | None = None


@dataclass(frozen=True)
class CallerMatch:
	customer: str | None
	contact: str | None
	lead: str | None
	title: str | None
	others: list[Record] = field(default_factory=list)


def identify(phone_key: str | None) -> CallerMatch | None:
	"""The records whose number is `phone_key` (a normalized number), best first; None when unknown."""
	if not phone_key:
		return None
	# Plain SQL: asked on every ringing call (and by routing, while the caller waits).
	rows = frappe.db.sql(
		f"""select reference_doctype, reference_name, customer, title from `tab{INDEX_DOCTYPE}`
		where phone = %s order by reference_name asc""",
		(phone_key,),
		as_dict=True,
	)
	if not rows:
		return None
	# Deterministic: by kind (contacts of customers first), then by name.
	rows.sort(key=lambda r: (not r.customer, _PRIORITY.get(r.reference_doctype, 9), r.reference_name))
	best = rows[0]
	lead = best.reference_name if best.reference_doctype == "Lead" else None
	if best.reference_doctype == "Contact" and not best.customer:
		# ERPNext makes a Contact for each new Lead with its numbers: the caller is that lead too.
		lead = next((r.reference_name for r in rows if r.reference_doctype == "Lead"), None)
	return CallerMatch(
		customer=best.customer,
		contact=best.reference_name if best.reference_doctype == "Contact" else None,
		lead=lead,
		title=best.title,
		others=[
			Record(r.reference_doctype, r.reference_name, r.title)
			for r in rows[1:]
			if (r.reference_doctype, r.reference_name) not in (("Customer", best.customer), ("Lead", lead))
		],
	)
