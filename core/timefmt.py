"""Times as the chamber's people read them: in the chamber's time zone (settings.TIME_ZONE), never
the reader's, and saying which zone it is ("8:00 AM ET"). The public pages, their scripts (through
the page's data-time-zone attributes) and the mails all say the same."""

from datetime import datetime

from django.conf import settings
from django.utils import dateformat, timezone

# What people in the United States call these zones whatever the season ("ET", not "EST"/"EDT");
# another zone is named by its abbreviation of the day.
_GENERIC_NAMES = {
    "America/New_York": "ET",
    "America/Detroit": "ET",
    "America/Chicago": "CT",
    "America/Denver": "MT",
    "America/Phoenix": "MT",
    "America/Los_Angeles": "PT",
}

DATE_FORMAT = "l, F j, Y"
TIME_FORMAT = "g:i A"


def zone_label(value: datetime | None = None) -> str:
    generic = _GENERIC_NAMES.get(settings.TIME_ZONE)
    if generic:
        return generic
    return timezone.localtime(value).tzname() or settings.TIME_ZONE


def local_datetime(value: datetime) -> str:
    """Like "Thursday, March 5, 2026, 8:00 AM ET"."""
    local = timezone.localtime(value)
    return f"{dateformat.format(local, DATE_FORMAT)}, {local_time(value)}"


def local_time(value: datetime) -> str:
    """Like "8:00 AM ET"."""
    return f"{dateformat.format(timezone.localtime(value), TIME_FORMAT)} {zone_label(value)}"
