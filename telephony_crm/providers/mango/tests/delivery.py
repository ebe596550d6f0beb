"""Posting as Mango does: signed forms to /telephony/mango/<provider>/<service>, through Frappe's WSGI
application and the route's page renderer."""

from urllib.parse import quote

from telephony_crm.providers.mango.signing import signed_form
from telephony_crm.telephony_crm.doctype.telephony_provider_settings.telephony_provider_settings import (
	MANGO_ROUTE,
)
from telephony_crm.tests.client import request

FORGED_SIGN = "0" * 64


def post_service(provider: str, service: str, form: dict):
	return request("post", f"/{MANGO_ROUTE}/{quote(provider)}/{service}", data=form)


def signed(provider, payload: dict, forged: bool = False) -> dict:
	form = signed_form(provider.mango_api_key, provider.get_password("mango_api_salt"), payload)
	return {**form, "sign": FORGED_SIGN} if forged else form
