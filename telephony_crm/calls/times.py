"""Event times arrive in many forms; the database keeps naive datetimes in the site's time zone."""

import math
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from frappe.utils import get_system_timezone


def to_site_time(moment: datetime) -> datetime:
	"""A timezone-aware datetime as the naive site-local datetime Frappe stores (ValueError if it has none)."""
	try:
		return moment.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)
	except OverflowError:
		raise ValueError(f"{moment} is out of range")


def from_unix_seconds(seconds: float) -> datetime:
	"""Unix seconds as site time; ValueError for what no clock shows (inf, nan, year 10000)."""
	if not math.isfinite(seconds):
		raise ValueError(f"{seconds} is not a time")
	try:
		return to_site_time(datetime.fromtimestamp(seconds, tz=timezone.utc))
	except (OverflowError, OSError):
		raise ValueError(f"{seconds} is out of range")


def site_now() -> datetime:
	return to_site_time(datetime.now(tz=timezone.utc))
