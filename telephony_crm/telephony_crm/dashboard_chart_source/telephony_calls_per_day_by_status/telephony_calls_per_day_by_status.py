"""Dashboard Chart Source: calls a day over the last 30 days, one line per status (of the calls the user's
call log lists)."""

from telephony_crm.analytics.cards import calls_per_day_by_status as get
