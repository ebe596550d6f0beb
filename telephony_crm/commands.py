import click
from frappe.commands import get_site, pass_context

from telephony_crm.providers.telphin.commands import telephony_telphin_connect


@click.command("rebuild-phone-index")
@pass_context
def rebuild_phone_index(context):
	"""Reindex the phone numbers of every Customer, Contact and Lead for caller identification."""
	import frappe
	from frappe.utils import update_progress_bar

	from telephony_crm.caller_id.rebuild import rebuild_phone_index

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		rows = rebuild_phone_index(
			progress=lambda doctype, done, total: update_progress_bar(f"Indexing {doctype}", done - 1, total)
		)
		click.echo(f"\nPhone index rebuilt: {rows} numbers.")
	finally:
		frappe.destroy()


@click.command("telephony-ami-connector")
@pass_context
def telephony_ami_connector(context):
	"""Follow the calls of every enabled Asterisk AMI provider; runs until stopped (Procfile, supervisor)."""
	import frappe

	from telephony_crm.providers.asterisk.connector import run_connector

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		run_connector()
	finally:
		frappe.destroy()


commands = [rebuild_phone_index, telephony_ami_connector, telephony_telphin_connect]
