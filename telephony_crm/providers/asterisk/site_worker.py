"""Database work for an event loop that must not wait on it: a thread of its own with its own connection.

A pymysql connection is not thread-safe, and in a new thread `frappe.local` is empty, so the thread
joins the site itself (on its first job) and leaves it when closed.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import frappe

logger = logging.getLogger("telephony_crm.asterisk")


class SiteWorker:
	"""Runs jobs one at a time, in the order given, each a transaction of its own: committed when the job
	returns, rolled back when it raises."""

	def __init__(self, name: str):
		# Taken from the thread that creates the worker, which is on the site.
		self._site = frappe.local.site
		self._sites_path = frappe.local.sites_path
		self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

	async def run(self, job, *args):
		"""`job(*args)` on the worker's thread; the event loop goes on meanwhile."""
		# Not asyncio.to_thread: it would copy the loop thread's context, and with it its frappe.local.
		return await asyncio.get_running_loop().run_in_executor(self._executor, self._in_site, job, args)

	def close(self) -> None:
		"""Leave the site once the jobs already given are done."""
		self._executor.submit(frappe.destroy)
		self._executor.shutdown(wait=False)

	def _in_site(self, job, args):
		if getattr(frappe.local, "db", None) is None:
			self._join_site()
		try:
			result = reconnecting(job, *args)
			frappe.db.commit()
			return result
		except Exception:
			frappe.db.rollback()  # nothing half-written is left for the next job to commit
			raise

	def _join_site(self) -> None:
		frappe.init(site=self._site, sites_path=self._sites_path)
		try:
			frappe.connect()
		except Exception:
			frappe.destroy()  # the next job tries again
			raise


def reconnecting(job, *args):
	"""`job(*args)`, run again on a new database connection if the database dropped this long-lived one
	(an idle connection past MariaDB's wait_timeout, or a database restart)."""
	try:
		return job(*args)
	except Exception as error:
		if not is_connection_lost(error):
			raise
		logger.warning("Database connection lost (%s); connecting again", error)
		frappe.db.connect()
		return job(*args)


def is_connection_lost(error: Exception) -> bool:
	# 2006: server has gone away, 2013: lost connection during query; InterfaceError: socket closed.
	return frappe.db.is_interface_error(error) or (
		isinstance(error, frappe.db.OperationalError) and error.args[:1] in ((2006,), (2013,))
	)
