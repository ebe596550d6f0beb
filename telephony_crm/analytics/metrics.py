"""Contact-centre figures, each defined once: the reports, number cards and charts all read them here.

Calls are read with frappe.get_list, so a user's figures cover exactly the calls their call log lists
(the row rules in permissions.py): an agent sees their own figures, a supervisor everyone's.
"""

import math
from dataclasses import dataclass, field

import frappe
from frappe.utils import get_datetime

CALL_DOCTYPE = "Telephony Call Log"
MISSED = "Missed"
INBOUND = "Inbound"
OUTBOUND = "Outbound"
CALL_FIELDS = (
	"name",
	"direction",
	"status",
	"agent",
	"answered_by",
	"started_at",
	"answered_at",
	"ring_duration",
	"talk_duration",
)


def calls(from_date, to_date, provider=None, agent=None, direction=None) -> list[dict]:
	"""The calls started in [from_date, to_date) that the session user may read."""
	filters = [["started_at", ">=", get_datetime(from_date)], ["started_at", "<", get_datetime(to_date)]]
	if provider:
		filters.append(["provider", "=", provider])
	if direction:
		filters.append(["direction", "=", direction])
	if agent:
		filters.append(["agent", "=", agent])
	return frappe.get_list(CALL_DOCTYPE, filters=filters, fields=list(CALL_FIELDS), limit_page_length=0)


def is_answered(call) -> bool:
	return bool(call.answered_at)


def is_missed(call) -> bool:
	"""It rang and nobody answered."""
	return call.status == MISSED


def answer_rate(rows) -> float | None:
	"""Share of the inbound calls that were answered, in percent."""
	inbound = [row for row in rows if row.direction == INBOUND]
	return percent(sum(1 for row in inbound if is_answered(row)), len(inbound))


def percent(part: int, whole: int) -> float | None:
	"""`part` of `whole` in percent; None when there is nothing to count."""
	return 100.0 * part / whole if whole else None


def percentile(values: list[float], fraction: float) -> float | None:
	"""The nearest-rank percentile (the value below which `fraction` of the values lie)."""
	if not values:
		return None
	ordered = sorted(values)
	rank = max(1, math.ceil(fraction * len(ordered)))
	return ordered[rank - 1]


def average(values: list[float]) -> float | None:
	return sum(values) / len(values) if values else None


@dataclass
class AgentFigures:
	agent: str
	calls_in: int = 0
	calls_out: int = 0
	answered: int = 0
	missed: int = 0
	ring_times: list = field(default_factory=list)
	talk_times: list = field(default_factory=list)

	def as_row(self) -> dict:
		return {
			"agent": self.agent,
			"calls_in": self.calls_in,
			"calls_out": self.calls_out,
			"answered": self.answered,
			"missed": self.missed,
			"answer_rate": percent(self.answered, self.calls_in),
			"avg_ring": average(self.ring_times),
			"p90_ring": percentile(self.ring_times, 0.9),
			"avg_talk": average(self.talk_times),
			"total_talk": sum(self.talk_times),
		}


def agent_performance(rows) -> list[dict]:
	"""Per agent: calls in and out, answered and missed inbound calls, ring and talk times.

	An inbound call counts for whoever answered it, or else the agent it rang."""
	by_agent: dict[str, AgentFigures] = {}
	for row in rows:
		agent = row.answered_by or row.agent
		if not agent:
			continue
		figures = by_agent.setdefault(agent, AgentFigures(agent))
		if row.direction == OUTBOUND:
			figures.calls_out += 1
		elif row.direction == INBOUND:
			figures.calls_in += 1
			if is_answered(row):
				figures.answered += 1
				figures.ring_times.append(row.ring_duration or 0)
			elif is_missed(row):
				figures.missed += 1
		if is_answered(row):
			figures.talk_times.append(row.talk_duration or 0)
	return [by_agent[agent].as_row() for agent in sorted(by_agent)]
