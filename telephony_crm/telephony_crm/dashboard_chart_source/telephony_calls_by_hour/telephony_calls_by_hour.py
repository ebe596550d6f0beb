"""Dashboard Chart Source: calls this week by the hour of the day they started (of the calls the user's
call log lists)."""

from telephony_crm.analytics.cards import calls_by_hour_this_week as get
