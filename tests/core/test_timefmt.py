from datetime import UTC, datetime

from django.test import override_settings
from django.utils import timezone

from core import timefmt

# 13:00 UTC on a winter day and on a summer day: 8:00 and 9:00 in Hartford.
WINTER = datetime(2026, 3, 5, 13, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 9, 13, 0, tzinfo=UTC)


def test_it_writes_hartford_time_and_names_the_zone():
    assert timefmt.local_datetime(WINTER) == "Thursday, March 5, 2026, 8:00 AM ET"
    assert timefmt.local_time(SUMMER) == "9:00 AM ET"


@override_settings(TIME_ZONE="Europe/Berlin")
def test_it_names_another_zone_by_its_abbreviation():
    with timezone.override("Europe/Berlin"):
        assert timefmt.local_time(WINTER) == "2:00 PM CET"
        assert timefmt.local_time(SUMMER) == "3:00 PM CEST"
