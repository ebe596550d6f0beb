"""Agents' availability: statuses people choose and their log, Busy from calls, Offline from quiet desks,
group calls' popups, and who is available."""

import itertools
import threading
from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from telephony_crm.api import availability as api
from telephony_crm.api import calls as calls_api
from telephony_crm.availability import on_call, presence
from telephony_crm.availability.board import AGENT_EVENT
from telephony_crm.availability.status import (
	AVAILABLE,
	AWAY,
	BUSY,
	CHANGE_DOCTYPE,
	DND,
	OFFLINE,
	OFFLINE_AFTER_MINUTES,
	STATUS_DOCTYPE,
	available_agents,
	available_users,
	is_available,
	status_of,
)
from telephony_crm.calls.events import EventType
from telephony_crm.calls.intake import commit_event
from telephony_crm.realtime import CALL_EVENT
from telephony_crm.roles import AGENT_ROLE, SUPERVISOR_ROLE
from telephony_crm.tests.client import api_headers, post_webhook, request
from telephony_crm.tests.factories import (
	call_event,
	commit_at_once,
	delete_calls,
	make_provider,
	make_sip_account,
	make_user,
	telephony_settings,
	unique,
	use_region,
)

RINGING, ANSWERED, ENDED = EventType.RINGING, EventType.ANSWERED, EventType.ENDED
_extensions = itertools.count(7000)


class AvailabilityCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_region()
		cls.provider = make_provider()
		cls.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider.name)
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()  # releases the agents' locks a test left held

	def agent(self, provider: str | None = None) -> tuple[str, str]:
		"""A new agent with a line: (user, extension)."""
		user = make_user(roles=(AGENT_ROLE,))
		extension = str(next(_extensions))
		make_sip_account(user, provider or self.provider.name, extension)
		return user, extension

	def set_status(self, status: str, as_user: str, user: str | None = None) -> dict:
		frappe.set_user(as_user)
		try:
			return api.set_status(status, user)
		finally:
			frappe.set_user("Administrator")

	def event(self, call_id: str, kind: EventType, extension: str | None, seconds: float = 0, **fields):
		return commit_event(
			call_event(self.provider.name, call_id, kind, seconds, extension=extension, **fields)
		).name

	def answered_call(self, extension: str) -> tuple[str, str]:
		"""A call rung to `extension` and answered there: (call_id, call)."""
		call_id = unique("busy")
		self.event(call_id, RINGING, extension)
		return call_id, self.event(call_id, ANSWERED, extension, 2)

	def end(self, call_id: str) -> str:
		return self.event(call_id, ENDED, None, 60)

	def log(self, user: str) -> list[tuple]:
		return [
			tuple(row)
			for row in frappe.get_all(
				CHANGE_DOCTYPE,
				{"user": user},
				["from_status", "to_status", "reason", "changed_by", "call"],
				order_by="changed_at asc, creation asc",
				as_list=True,
			)
		]


class TestChosenStatus(AvailabilityCase):
	def test_an_agent_without_a_record_is_available(self):
		agent, _ = self.agent()
		self.assertFalse(frappe.db.exists(STATUS_DOCTYPE, agent))
		self.assertEqual(status_of(agent), AVAILABLE)
		self.assertTrue(is_available(agent))
		# Someone without a line is no agent: never available.
		self.assertEqual(status_of(self.supervisor), OFFLINE)
		self.assertEqual(available_users([agent, self.supervisor]), {agent})

	def test_a_chosen_status_is_kept_and_logged(self):
		agent, _ = self.agent()
		row = self.set_status(AWAY, agent)
		self.assertEqual((row["status"], row["chosen_status"]), (AWAY, AWAY))
		self.assertEqual(status_of(agent), AWAY)
		self.assertFalse(is_available(agent))
		self.set_status(AWAY, agent)  # the same again changes nothing
		self.set_status(DND, agent)
		self.assertEqual(
			self.log(agent),
			[
				(AVAILABLE, AWAY, "Chosen by the Agent", agent, None),
				(AWAY, DND, "Chosen by the Agent", agent, None),
			],
		)
		since = frappe.db.get_value(STATUS_DOCTYPE, agent, "since")
		self.assertLess(abs((now_datetime() - since).total_seconds()), 60)

	def test_busy_and_offline_are_not_for_people_to_set(self):
		agent, _ = self.agent()
		for status in (BUSY, OFFLINE):
			with self.assertRaises(frappe.PermissionError) as refused:
				self.set_status(status, agent)
			self.assertIn("Nobody sets", str(refused.exception))
		with self.assertRaises(frappe.ValidationError) as refused:
			self.set_status("<b>Lunch</b>", agent)
		self.assertEqual(refused.exception.http_status_code, 422)
		self.assertIn("&lt;b&gt;Lunch&lt;/b&gt; is no status", str(refused.exception))
		self.assertEqual(self.log(agent), [])

	def test_nobody_sets_a_colleagues_status(self):
		agent, _ = self.agent()
		colleague, _ = self.agent()
		with self.assertRaises(frappe.PermissionError) as refused:
			self.set_status(AWAY, colleague, user=agent)
		self.assertIn("only your own status", str(refused.exception))
		self.assertEqual(status_of(agent), AVAILABLE)

	def test_a_supervisor_sets_an_agents_status(self):
		agent, _ = self.agent()
		self.set_status(DND, self.supervisor, user=agent)
		self.assertEqual(status_of(agent), DND)
		self.assertEqual(self.log(agent), [(AVAILABLE, DND, "Set by a Supervisor", self.supervisor, None)])

	def test_users_without_a_line_have_no_status(self):
		without_line = make_user()
		with self.assertRaises(frappe.ValidationError) as refused:
			self.set_status(AWAY, without_line)
		self.assertEqual(refused.exception.http_status_code, 422)
		self.assertIn("you have none", str(refused.exception))
		frappe.set_user(without_line)
		self.assertIsNone(api.heartbeat())
		self.assertFalse(frappe.db.exists(STATUS_DOCTYPE, without_line))

	def test_refusals_over_http_are_4xx_with_a_message(self):
		agent, _ = self.agent()
		colleague, _ = self.agent()
		frappe.db.commit()
		path = "/api/method/telephony_crm.api.availability.set_status"
		headers = api_headers(agent)
		frappe.db.commit()
		busy = request("post", path, headers, data={"status": BUSY})
		self.assertEqual(busy.status_code, 403, busy.text)
		self.assertIn("Nobody sets Busy", busy.text)
		other = request("post", path, headers, data={"status": AWAY, "user": colleague})
		self.assertEqual(other.status_code, 403, other.text)
		self.assertIn("only your own status", other.text)
		unknown = request("post", path, headers, data={"status": "Lunch"})
		self.assertEqual(unknown.status_code, 422, unknown.text)
		chosen = request("post", path, headers, data={"status": AWAY})
		self.assertEqual(chosen.status_code, 200, chosen.text)
		self.assertEqual(chosen.json["message"]["status"], AWAY)


class TestBusy(AvailabilityCase):
	def test_busy_while_on_a_call_then_back_to_what_they_chose(self):
		agent, extension = self.agent()
		self.set_status(AWAY, agent)
		call_id = unique("busy")
		call = self.event(call_id, RINGING, extension)
		self.assertEqual(status_of(agent), AWAY)  # ringing is not talking
		self.event(call_id, ANSWERED, extension, 2)
		self.assertEqual(status_of(agent), BUSY)
		self.assertEqual(frappe.db.get_value(STATUS_DOCTYPE, agent, "chosen_status"), AWAY)
		self.end(call_id)
		self.assertEqual(status_of(agent), AWAY)
		self.assertEqual(
			self.log(agent),
			[
				(AVAILABLE, AWAY, "Chosen by the Agent", agent, None),
				(AWAY, BUSY, "Call", None, call),
				(BUSY, AWAY, "Call", None, call),
			],
		)

	def test_a_choice_made_during_a_call_holds_after_it(self):
		agent, extension = self.agent()
		call_id, _ = self.answered_call(extension)
		self.set_status(DND, agent)
		self.assertEqual(status_of(agent), BUSY)
		self.end(call_id)
		self.assertEqual(status_of(agent), DND)

	def test_two_calls_keep_the_agent_busy_until_both_end(self):
		agent, extension = self.agent()
		first_id, first = self.answered_call(extension)
		second_id, second = self.answered_call(extension)
		self.assertEqual(frappe.db.get_value(STATUS_DOCTYPE, agent, "active_calls").split(), [first, second])
		self.end(first_id)
		self.assertEqual(status_of(agent), BUSY)
		self.end(second_id)
		self.assertEqual(status_of(agent), AVAILABLE)
		self.assertEqual([(f, t) for f, t, *_ in self.log(agent)], [(AVAILABLE, BUSY), (BUSY, AVAILABLE)])

	def test_a_transfer_frees_the_first_agent_and_takes_the_second(self):
		first, first_ext = self.agent()
		second, second_ext = self.agent()
		call_id, _ = self.answered_call(first_ext)
		self.event(call_id, RINGING, second_ext, 20)
		self.event(call_id, ANSWERED, second_ext, 25)
		self.assertEqual((status_of(first), status_of(second)), (AVAILABLE, BUSY))
		self.end(call_id)
		self.assertEqual(status_of(second), AVAILABLE)

	def test_repeated_events_change_nothing(self):
		agent, extension = self.agent()
		call_id, _ = self.answered_call(extension)
		self.event(call_id, ANSWERED, extension, 2)
		self.end(call_id)
		self.end(call_id)
		self.assertEqual(len(self.log(agent)), 2)

	def test_a_deleted_call_keeps_nobody_busy(self):
		agent, extension = self.agent()
		_, call = self.answered_call(extension)
		# Its mention in the agent's history does not stop the deletion.
		frappe.delete_doc("Telephony Call Log", call, ignore_permissions=True)
		self.assertEqual(status_of(agent), AVAILABLE)
		self.assertEqual(
			[(f, t, c) for f, t, _, _, c in self.log(agent)],
			[(AVAILABLE, BUSY, call), (BUSY, AVAILABLE, None)],
		)

	def test_busy_through_the_generic_webhook(self):
		agent, extension = self.agent()
		frappe.db.commit()
		secret = self.provider.get_password("webhook_secret")
		call_id = unique("webhook")
		for payload in (
			{"event": "ringing", "direction": "inbound", "from": "+79161234567", "extension": extension},
			{"event": "answered", "extension": extension},
		):
			response = post_webhook(self.provider.name, {"call_id": call_id, **payload}, header_token=secret)
			self.assertEqual(response.status_code, 200, response.text)
		frappe.db.rollback()
		self.assertEqual(status_of(agent), BUSY)
		response = post_webhook(
			self.provider.name,
			{"call_id": call_id, "event": "ended", "status": "completed"},
			header_token=secret,
		)
		self.assertEqual(response.status_code, 200, response.text)
		frappe.db.rollback()
		self.assertEqual(status_of(agent), AVAILABLE)


class TestCallsWithoutEnd(AvailabilityCase):
	"""A call the PBX never ends stops keeping its agent Busy after the settings' hours."""

	def silent_for(self, call: str, hours: float) -> None:
		long_ago = now_datetime() - timedelta(hours=hours)
		frappe.db.set_value(
			"Telephony Call Event", {"parent": call}, "creation", long_ago, update_modified=False
		)
		frappe.db.commit()

	def test_an_agent_on_a_call_silent_for_longer_is_freed_with_the_reason(self):
		agent, extension = self.agent()
		self.set_status(AWAY, agent)
		_, call = self.answered_call(extension)
		self.silent_for(call, 5)
		with telephony_settings(stale_call_hours=4):
			on_call.release_stale_calls()
		self.assertEqual(status_of(agent), AWAY)
		self.assertEqual(self.log(agent)[-1], (BUSY, AWAY, "Call Without End", None, call))
		comments = frappe.get_all(
			"Comment", {"reference_doctype": "Telephony Call Log", "reference_name": call}, pluck="content"
		)
		self.assertTrue(any("sent nothing about it for 4 hours" in comment for comment in comments))
		# The call itself is the PBX's: still In Progress until it says otherwise.
		self.assertEqual(frappe.db.get_value("Telephony Call Log", call, "status"), "In Progress")

	def test_a_call_heard_of_recently_keeps_the_agent_busy(self):
		agent, extension = self.agent()
		_, old = self.answered_call(extension)
		_, recent = self.answered_call(extension)
		self.silent_for(old, 5)
		self.silent_for(recent, 3)
		with telephony_settings(stale_call_hours=4):
			on_call.release_stale_calls()
		self.assertEqual(status_of(agent), BUSY)
		self.assertEqual(frappe.db.get_value(STATUS_DOCTYPE, agent, "active_calls").split(), [recent])

	def test_the_hours_are_a_setting_and_zero_means_never(self):
		agent, extension = self.agent()
		_, call = self.answered_call(extension)
		self.silent_for(call, 5)
		for hours, status in ((0, BUSY), (6, BUSY), (5, AVAILABLE)):
			with telephony_settings(stale_call_hours=hours):
				on_call.release_stale_calls()
			self.assertEqual(status_of(agent), status, hours)


class TestOffline(AvailabilityCase):
	def quiet_for(self, user: str, minutes: float) -> None:
		frappe.db.set_value(
			STATUS_DOCTYPE,
			user,
			"last_seen",
			now_datetime() - timedelta(minutes=minutes),
			update_modified=False,
		)

	def test_a_quiet_desk_is_offline_until_its_next_heartbeat(self):
		agent, _ = self.agent()
		frappe.set_user(agent)
		self.assertEqual(api.heartbeat()["status"], AVAILABLE)
		api.set_status(AWAY)
		frappe.set_user("Administrator")
		self.quiet_for(agent, OFFLINE_AFTER_MINUTES - 1)
		presence.mark_offline()
		self.assertEqual(status_of(agent), AWAY)
		self.quiet_for(agent, OFFLINE_AFTER_MINUTES + 1)
		presence.mark_offline()
		self.assertEqual(status_of(agent), OFFLINE)
		frappe.set_user(agent)
		self.assertEqual(api.heartbeat()["status"], AWAY)
		self.assertEqual(
			[(f, t, reason) for f, t, reason, *_ in self.log(agent)],
			[
				(AVAILABLE, AWAY, "Chosen by the Agent"),
				(AWAY, OFFLINE, "Desk Closed"),
				(OFFLINE, AWAY, "Desk Opened"),
			],
		)

	def test_a_desk_never_opened_is_not_offline(self):
		agent, extension = self.agent()
		call_id, _ = self.answered_call(extension)
		self.end(call_id)
		presence.mark_offline()
		self.assertEqual(status_of(agent), AVAILABLE)

	def test_on_a_call_the_agent_stays_busy_and_is_offline_after_it(self):
		agent, extension = self.agent()
		frappe.set_user(agent)
		api.heartbeat()
		frappe.set_user("Administrator")
		call_id, _ = self.answered_call(extension)
		self.quiet_for(agent, OFFLINE_AFTER_MINUTES + 1)
		presence.mark_offline()
		self.assertEqual(status_of(agent), BUSY)
		self.end(call_id)
		self.assertEqual(status_of(agent), OFFLINE)


class TestGroupCallPopups(AvailabilityCase):
	def told(self, action) -> list[set[str]]:
		"""Whom each call event told, in order."""
		with patch("frappe.publish_realtime") as publish:
			action()
		told, last = [], None
		for c in publish.call_args_list:
			if c.args[0] != CALL_EVENT:
				continue
			self.assertTrue(c.kwargs["after_commit"])
			key = (c.args[1]["status"], c.args[1]["modified"])
			if key != last:
				told.append(set())
				last = key
			told[-1].add(c.kwargs["user"])
		return told

	def test_away_dnd_and_offline_agents_get_no_popup_of_a_group_call(self):
		available, ext_a = self.agent()
		away, ext_b = self.agent()
		dnd, ext_c = self.agent()
		offline, ext_d = self.agent()
		self.set_status(AWAY, away)
		self.set_status(DND, dnd)
		frappe.set_user(offline)
		api.heartbeat()
		frappe.set_user("Administrator")
		frappe.db.set_value(STATUS_DOCTYPE, offline, "last_seen", now_datetime() - timedelta(hours=1))
		presence.mark_offline()
		self.assertEqual(status_of(offline), OFFLINE)
		call_id = unique("group")

		def ring_all():
			for extension in (ext_a, ext_b, ext_c, ext_d):
				self.event(call_id, RINGING, extension)

		told = self.told(ring_all)
		self.assertEqual(told[0], {available})
		self.assertEqual(told[-1], {available})
		# The one who answers gets it, whatever their status; the available colleague follows it to its end.
		told = self.told(lambda: (self.event(call_id, ANSWERED, ext_c, 5), self.end(call_id)))
		self.assertEqual(told, [{available, dnd}, {available, dnd}])

	def test_a_call_rung_to_one_agent_alone_reaches_them_whatever_their_status(self):
		away, extension = self.agent()
		self.set_status(AWAY, away)
		call_id = unique("alone")
		told = self.told(lambda: (self.event(call_id, RINGING, extension), self.end(call_id)))
		self.assertEqual(told, [{away}, {away}])

	def test_who_was_shown_a_group_call_follows_it_after_going_away(self):
		first, ext_a = self.agent()
		second, ext_b = self.agent()
		call_id = unique("group")
		told = self.told(lambda: (self.event(call_id, RINGING, ext_a), self.event(call_id, RINGING, ext_b)))
		self.assertEqual(told[-1], {first, second})
		self.set_status(AWAY, first)
		# Their popup closes when the colleague answers.
		told = self.told(lambda: self.event(call_id, ANSWERED, ext_b, 3))
		self.assertEqual(told, [{first, second}])

	def test_busy_agents_get_group_calls_unless_they_chose_away(self):
		talking, ext_a = self.agent()
		talking_away, ext_b = self.agent()
		self.answered_call(ext_a)
		self.set_status(AWAY, talking_away)
		self.answered_call(ext_b)
		self.assertEqual((status_of(talking), status_of(talking_away)), (BUSY, BUSY))
		call_id = unique("group")
		told = self.told(lambda: (self.event(call_id, RINGING, ext_a), self.event(call_id, RINGING, ext_b)))
		self.assertEqual(told[-1], {talking})

	def test_a_reload_brings_back_only_the_popups_the_agent_takes(self):
		available, ext_a = self.agent()
		away, ext_b = self.agent()
		self.set_status(AWAY, away)
		call_id, start = unique("group"), now_datetime() - timedelta(minutes=1)
		for extension in (ext_a, ext_b):
			name = commit_event(
				call_event(self.provider.name, call_id, RINGING, 0, extension=extension, start=start)
			).name
		for user, shown in ((available, True), (away, False)):
			frappe.set_user(user)
			try:
				popups = {summary.name for summary in calls_api.get_active_calls()}
			finally:
				frappe.set_user("Administrator")
			self.assertEqual(name in popups, shown, user)


class TestAvailableAgents(AvailabilityCase):
	def test_only_available_agents_with_a_line_on_the_provider(self):
		other_provider = make_provider().name
		available, extension = self.agent()
		away, _ = self.agent()
		busy, busy_ext = self.agent()
		elsewhere, _ = self.agent(other_provider)
		disabled, _ = self.agent()
		frappe.db.set_value("SIP Account", {"user": disabled}, "enabled", 0)
		self.set_status(AWAY, away)
		self.answered_call(busy_ext)

		mine = {row.user: row for row in available_agents(self.provider.name)}
		self.assertIn(available, mine)
		self.assertEqual(
			mine[available],
			{
				"user": available,
				"full_name": frappe.db.get_value("User", available, "full_name"),
				"extension": extension,
				"status": AVAILABLE,
			},
		)
		self.assertFalse({away, busy, elsewhere, disabled} & mine.keys())
		everywhere = {row.user for row in available_agents()}
		self.assertTrue({available, elsewhere} <= everywhere)
		self.assertNotIn(available, {row.user for row in available_agents(exclude=available)})

	def test_the_desk_endpoint_is_for_agents_and_supervisors(self):
		available, _ = self.agent()
		for user in (available, self.supervisor):
			frappe.set_user(user)
			self.assertIn(available, {row.user for row in api.available_agents(self.provider.name)})
		frappe.set_user(make_user(roles=("Sales User",)))
		with self.assertRaises(frappe.PermissionError):
			api.available_agents()


class TestAgentsView(AvailabilityCase):
	def test_supervisors_see_who_is_on_which_call_since_when(self):
		agent, extension = self.agent()
		call_id, call = self.answered_call(extension)
		frappe.set_user(self.supervisor)
		row = next(row for row in api.agents() if row.user == agent)
		self.assertEqual((row.status, row.extensions), (BUSY, extension))
		self.assertEqual([c.name for c in row.calls], [call])
		self.assertIsNotNone(row.since)
		frappe.set_user(agent)
		with self.assertRaises(frappe.PermissionError):
			api.agents()
		frappe.set_user("Administrator")
		self.end(call_id)

	def test_a_change_is_told_to_the_agent_and_the_supervisors_after_commit(self):
		agent, _ = self.agent()
		with patch("frappe.publish_realtime") as publish:
			self.set_status(AWAY, agent)
		sent = {
			c.kwargs["user"]: c.args[1]
			for c in publish.call_args_list
			if c.args[0] == AGENT_EVENT and c.kwargs["after_commit"]
		}
		self.assertTrue({agent, self.supervisor} <= sent.keys())
		self.assertEqual((sent[agent]["user"], sent[agent]["status"]), (agent, AWAY))
		colleague, _ = self.agent()
		self.assertNotIn(colleague, sent)
		# Someone who has just become a supervisor is told of the next change.
		newcomer = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		with patch("frappe.publish_realtime") as publish:
			self.set_status(DND, agent)
		self.assertIn(
			newcomer, {c.kwargs["user"] for c in publish.call_args_list if c.args[0] == AGENT_EVENT}
		)

	def test_agents_read_their_own_history_supervisors_everyones(self):
		agent, _ = self.agent()
		colleague, _ = self.agent()
		self.set_status(AWAY, agent)
		self.set_status(DND, colleague)
		frappe.set_user(agent)
		seen = set(frappe.get_list(CHANGE_DOCTYPE, pluck="user", limit=0))
		self.assertEqual(seen, {agent})
		self.assertEqual(frappe.get_list(STATUS_DOCTYPE, pluck="name", limit=0), [agent])
		theirs = frappe.get_all(CHANGE_DOCTYPE, {"user": colleague}, pluck="name")[0]
		self.assertFalse(frappe.has_permission(CHANGE_DOCTYPE, "read", theirs))
		self.assertFalse(frappe.has_permission(CHANGE_DOCTYPE, "write", theirs))
		frappe.set_user(self.supervisor)
		self.assertTrue({agent, colleague} <= set(frappe.get_list(CHANGE_DOCTYPE, pluck="user", limit=0)))
		self.assertTrue(frappe.has_permission(CHANGE_DOCTYPE, "read", theirs))
		self.assertFalse(frappe.has_permission(CHANGE_DOCTYPE, "write", theirs))

	def test_a_deleted_user_takes_their_status_and_history(self):
		agent, _ = self.agent()
		self.set_status(AWAY, agent)
		frappe.delete_doc("SIP Account", frappe.get_all("SIP Account", {"user": agent}, pluck="name")[0])
		frappe.delete_doc("User", agent, ignore_permissions=True)
		self.assertFalse(frappe.db.exists(STATUS_DOCTYPE, agent))
		self.assertFalse(frappe.db.exists(CHANGE_DOCTYPE, {"user": agent}))


class TestConcurrentCalls(AvailabilityCase):
	"""Events of different calls of the same agents processed at once by separate workers (threads with
	their own connections and transactions)."""

	def run_in_parallel(self, events) -> None:
		since = now_datetime()
		commit_at_once(events)
		failed = frappe.get_all("Error Log", {"method": ("like", "%follow_call%"), "creation": (">=", since)})
		self.assertEqual(failed, [])

	def test_a_call_ending_while_another_is_answered_leaves_the_agent_busy(self):
		agent, extension = self.agent()
		first_id, _ = self.answered_call(extension)
		second_id = unique("second")
		second = self.event(second_id, RINGING, extension)
		listing, meet = on_call._people_listing, threading.Barrier(2)

		def read_then_meet(*args):
			# Both workers have read the agent's record before either changes it.
			found = listing(*args)
			meet.wait(timeout=10)
			return found

		with patch.object(on_call, "_people_listing", read_then_meet):
			self.run_in_parallel(
				[
					call_event(self.provider.name, first_id, ENDED, 60, extension=None),
					call_event(self.provider.name, second_id, ANSWERED, 2, extension=extension),
				]
			)
		self.assertEqual(status_of(agent), BUSY)
		self.assertEqual(frappe.db.get_value(STATUS_DOCTYPE, agent, "active_calls"), second)
		self.end(second_id)
		self.assertEqual(status_of(agent), AVAILABLE)

	def test_first_records_of_many_agents_at_once(self):
		agents = [self.agent() for _ in range(8)]
		call_ids = [unique("first") for _ in agents]
		for call_id, (_, extension) in zip(call_ids, agents, strict=True):
			self.event(call_id, RINGING, extension)
		self.run_in_parallel(
			[
				call_event(self.provider.name, call_id, ANSWERED, 2, extension=extension)
				for call_id, (_, extension) in zip(call_ids, agents, strict=True)
			]
		)
		self.assertEqual({status_of(user) for user, _ in agents}, {BUSY})
