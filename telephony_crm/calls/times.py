"""Event times arrive in many forms; the database keeps naive datetimes in the site's time zone."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from frappe.utils import get_system_timezone


def to_site_time(moment: datetime) -> datetime:
	"""A timezone-aware datetime as the naive site-local datetime Frappe stores."""
	return moment.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)


def from_unix_seconds(seconds: float) -> datetime:
	return to_site_time(datetime.fromtimestamp(seconds, tz=timezone.utc))


def site_now() -> datetime:
	return to_site_time(datetime.now(tz=timezone.utc))
