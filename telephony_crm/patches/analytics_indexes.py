"""The indexes of the analytics reports, on sites installed before them."""

from telephony_crm.analytics.indexes import add_indexes


def execute():
	add_indexes()
