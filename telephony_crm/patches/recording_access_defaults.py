from telephony_crm.recordings.access import set_default_access


def execute():
	"""Sites installed before recording rights existed keep what their users could do: listen and download."""
	set_default_access()
