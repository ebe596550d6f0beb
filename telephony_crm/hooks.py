app_name = "telephony_crm"
app_title = "Telephony CRM"
app_publisher = "Telephony CRM Developers"
app_description = (
	"IP telephony for ERPNext: call log, caller identification, live call popups and PBX connectors"
)
app_email = "dev@telephony-crm.example"
app_license = "mit"
required_apps = ["frappe/erpnext"]

export_python_type_annotations = True

before_install = "telephony_crm.install.before_install"
after_install = "telephony_crm.install.after_install"
# The onboarding steps whose records exist already are ticked off (onboarding.py).
after_migrate = ["telephony_crm.install.after_migrate", "telephony_crm.onboarding.tick_done_steps"]
before_uninstall = "telephony_crm.install.before_uninstall"
before_tests = "telephony_crm.tests.setup.before_tests"

permission_query_conditions = {
	"Telephony Call Log": "telephony_crm.permissions.call_log_query_conditions",
	"SIP Account": "telephony_crm.permissions.sip_account_query_conditions",
	"Telephony Agent Status": "telephony_crm.availability.permissions.agent_status_query_conditions",
	"Telephony Agent Status Change": "telephony_crm.availability.permissions.status_change_query_conditions",
	# The number viewer's rows on ToDo (its call-back number's level) give no one else's ToDos.
	"ToDo": "telephony_crm.masking.todo_access.todo_query_conditions",
}

has_permission = {
	"Telephony Call Log": "telephony_crm.permissions.call_log_has_permission",
	"SIP Account": "telephony_crm.permissions.sip_account_has_permission",
	"Telephony Agent Status": "telephony_crm.availability.permissions.has_permission",
	"Telephony Agent Status Change": "telephony_crm.availability.permissions.has_permission",
	"ToDo": "telephony_crm.masking.todo_access.todo_has_permission",
}

# The phone index follows every record a caller can be recognised as.
_phone_index_events = {
	"on_update": "telephony_crm.caller_id.index.update_document_phones",
	"on_trash": "telephony_crm.caller_id.index.remove_document_phones",
	"after_rename": "telephony_crm.caller_id.index.rename_document_phones",
}
doc_events = {
	"*": {"on_trash": "telephony_crm.calls.links.forget_deleted_document"},
	# A deleted user's status and its history go with them; who supervises agents may change.
	"User": {
		"on_update": [
			"telephony_crm.availability.board.forget_supervisors",
			# Lines follow roles: given, disabled, enabled again (Automatic Lines of a provider).
			"telephony_crm.lines.user_lines.sync_user_lines",
			# Who reads callers' numbers follows roles (Telephony Settings → Number Masking).
			"telephony_crm.masking.viewers.sync_user",
			# The onboarding's roles step ticks itself off.
			"telephony_crm.onboarding.tick_done_steps",
		],
		"on_trash": "telephony_crm.availability.record.forget_user",
	},
	"Telephony Settings": {
		"validate": "telephony_crm.masking.settings.validate_masking",
		"on_update": "telephony_crm.masking.settings.apply_masking",
	},
	# A deleted call keeps nobody Busy.
	"Telephony Call Log": {"on_trash": "telephony_crm.availability.on_call.release_deleted_call"},
	# The onboarding's provider and extension steps tick themselves off.
	"Telephony Provider Settings": {"after_insert": "telephony_crm.onboarding.tick_done_steps"},
	"SIP Account": {"after_insert": "telephony_crm.onboarding.tick_done_steps"},
	**{doctype: _phone_index_events for doctype in ("Customer", "Contact", "Lead")},
	# Documents created from a call are added to the call's links.
	**{
		doctype: {"after_insert": "telephony_crm.calls.links.link_new_document"}
		for doctype in ("Sales Order", "Opportunity", "ToDo", "Issue")
	},
}

# A call-back's own fields on ToDo are the app's alone.
doc_events["ToDo"]["validate"] = "telephony_crm.callbacks.todo.guard_callback_fields"

# A call is a record of what happened, like a Communication: it never stops a customer, contact or
# document from being deleted, and loses its link to it instead (forget_deleted_document).
# An agent's status history keeps the name of a deleted call that made them Busy.
ignore_links_on_delete = ["Telephony Call Log", "Telephony Call Link", "Telephony Agent Status Change"]

# Mango Office appends its own paths (events/call, result/callback, ...) to the URL it is given.
page_renderer = ["telephony_crm.providers.mango.routes.MangoRequests"]

boot_session = "telephony_crm.boot.boot_session"

# Run once the request's user is known: masked users may not filter calls by their raw numbers.
auth_hooks = ["telephony_crm.masking.filters.refuse_number_filters"]

app_include_js = "telephony_crm.bundle.js"
app_include_css = "telephony_crm.bundle.css"
# The call-back button on a call-back's ToDo.
doctype_js = {"ToDo": "public/js/callback_todo.js"}

scheduler_events = {
	"cron": {
		"* * * * *": [
			# Recording copies whose pause after a failure is over (the first pause is a minute).
			"telephony_crm.recordings.copy.retry_due",
			# Agents whose desks have sent no heartbeat for a while are Offline.
			"telephony_crm.availability.presence.mark_offline",
			# Call-backs whose update has not been done yet (the number stayed locked, a job was lost).
			"telephony_crm.callbacks.follow.queue_pending_syncs",
		],
		# Agents kept Busy by calls the PBX never ended.
		"*/5 * * * *": ["telephony_crm.availability.on_call.release_stale_calls"],
	},
	"daily": ["telephony_crm.recordings.retention.apply_retention"],
}

default_log_clearing_doctypes = {"Telephony Request Log": 30}
