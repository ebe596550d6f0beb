"""What the desk needs at start: the agent's own row for the navbar control, what they may choose, how
often their desk sends its heartbeat, and whether they may open the Agents view."""

from telephony_crm.availability.board import AGENT_EVENT, agent_rows, supervises_agents
from telephony_crm.availability.presence import HEARTBEAT_SECONDS
from telephony_crm.availability.status import CHOSEN_STATUSES


def desk_boot(user: str) -> dict:
	rows = agent_rows([user])
	return {
		"realtime_event": AGENT_EVENT,
		"chosen_statuses": CHOSEN_STATUSES,
		"heartbeat_seconds": HEARTBEAT_SECONDS,
		# None for a user without an enabled SIP Account: they have no status and no control.
		"agent": rows[0] if rows else None,
		"supervises_agents": supervises_agents(user),
	}
