"""Pointing a Telphin provider of the tests at the stub API, and back."""

import contextlib

import frappe
from frappe.utils.password import set_encrypted_password

from telephony_crm.providers.telphin.client import TelphinClient
from telephony_crm.providers.telphin.tests import fixtures
from telephony_crm.providers.telphin.tests.stub_api import StubTelphin


@contextlib.contextmanager
def stub_api(provider):
	"""A stub API, the provider's settings pointing at it (committed, for the requests' own
	transactions), and no token cached from before."""
	with StubTelphin() as stub:
		_point(provider, stub.origin, fixtures.APP_ID, fixtures.APP_SECRET)
		yield stub
	_point(provider, None, None, None)


def _point(provider, origin, app_id, app_secret) -> None:
	provider.db_set({"telphin_api_host": origin, "telphin_app_id": app_id, "telphin_client_id": "@me"})
	if app_secret:
		set_encrypted_password(provider.doctype, provider.name, app_secret, "telphin_app_secret")
	frappe.db.commit()
	provider.reload()
	TelphinClient.for_doc(provider).forget_token()
