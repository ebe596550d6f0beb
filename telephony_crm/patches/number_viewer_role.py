from telephony_crm.install import create_roles


def execute():
	"""The Telephony Number Viewer role exists before the call log's permissions, which name it, sync."""
	create_roles()
