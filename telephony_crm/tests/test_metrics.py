import frappe
from frappe import _dict
from frappe.tests.utils import FrappeTestCase

from telephony_crm.analytics import metrics
from telephony_crm.roles import SUPERVISOR_ROLE
from telephony_crm.telephony_crm.report.agent_performance import agent_performance
from telephony_crm.tests.factories import (
	T0,
	delete_calls,
	make_provider,
	make_sip_account,
	make_user,
	recorded_call,
)


def call(direction, status, agent, answered=False, ring=0, talk=0, answered_by=None):
	return _dict(
		direction=direction,
		status=status,
		agent=agent,
		answered_by=answered_by or (agent if answered else None),
		answered_at="2026-03-02 10:00:10" if answered else None,
		ring_duration=ring,
		talk_duration=talk,
	)


# Ann answered 3 of 4 inbound calls (ring 5, 10, 30 s; talk 60, 120, 30 s), missed one, placed one (talk 40 s).
KNOWN = [
	call("Inbound", "Completed", "ann", answered=True, ring=5, talk=60),
	call("Inbound", "Completed", "ann", answered=True, ring=10, talk=120),
	call("Inbound", "Completed", "ann", answered=True, ring=30, talk=30),
	call("Inbound", "Missed", "ann"),
	call("Outbound", "Completed", "ann", answered=True, talk=40),
	call("Inbound", "Missed", "bob"),
]


class TestMetrics(FrappeTestCase):
	def test_agent_performance_on_known_calls(self):
		ann, bob = metrics.agent_performance(KNOWN)
		self.assertEqual((ann["calls_in"], ann["calls_out"], ann["answered"], ann["missed"]), (4, 1, 3, 1))
		self.assertEqual(ann["answer_rate"], 75.0)
		self.assertEqual(ann["avg_ring"], 15.0)
		self.assertEqual(ann["p90_ring"], 30)
		self.assertEqual(ann["total_talk"], 250)
		self.assertEqual(ann["avg_talk"], 62.5)
		self.assertEqual((bob["calls_in"], bob["missed"], bob["answer_rate"]), (1, 1, 0.0))

	def test_answer_rate_counts_inbound_calls_only(self):
		self.assertAlmostEqual(metrics.answer_rate(KNOWN), 60.0)
		self.assertIsNone(metrics.answer_rate([]))

	def test_percentile_is_nearest_rank(self):
		self.assertEqual(metrics.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9)
		self.assertIsNone(metrics.percentile([], 0.9))


class TestAgentPerformanceRows(FrappeTestCase):
	"""The report covers the calls the user's call log lists: an agent's only theirs."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.provider = make_provider().name
		cls.agent, cls.colleague = make_user(), make_user()
		cls.supervisor = make_user(roles=(SUPERVISOR_ROLE,), prefix="supervisor")
		make_sip_account(cls.agent, cls.provider, "201")
		make_sip_account(cls.colleague, cls.provider, "202")
		for extension in ("201", "202"):
			recorded_call(cls.provider, None, extension=extension)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_calls(cls.provider)
		frappe.db.commit()
		super().tearDownClass()

	def report_agents(self, user: str) -> set[str]:
		frappe.set_user(user)
		try:
			day = str(T0.date())
			_columns, rows, _message, _chart = agent_performance.execute(
				{"from_date": day, "to_date": day, "provider": self.provider}
			)
		finally:
			frappe.set_user("Administrator")
		return {row["agent"] for row in rows}

	def test_agent_sees_only_own_figures(self):
		self.assertEqual(self.report_agents(self.agent), {self.agent})

	def test_supervisor_sees_everyone(self):
		self.assertEqual(self.report_agents(self.supervisor), {self.agent, self.colleague})
