"""`bench --site SITE telephony-telphin-connect PROVIDER [--disconnect]`, to be listed in the app's
commands (telephony_crm/commands.py)."""

import click
from frappe.commands import get_site, pass_context


@click.command("telephony-telphin-connect")
@click.argument("provider")
@click.option("--disconnect", is_flag=True, help="Remove the app's event subscriptions instead")
@pass_context
def telephony_telphin_connect(context, provider, disconnect=False):
	"""Subscribe a Telphin provider's event URL on every extension of its account (or remove it)."""
	import frappe

	from telephony_crm.providers.telphin import connect

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		report = (connect.disconnect if disconnect else connect.connect)(provider)
		click.echo(frappe.db.get_value(connect.SETTINGS_DOCTYPE, provider, "api_status"))
		if report.errors:
			raise SystemExit(1)
	finally:
		frappe.destroy()
