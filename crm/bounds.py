"""The dates a chamber's records may sensibly carry. Anything outside is a typing slip (a year
347, a check "received" in 1990) and is refused by the service, naming the field, so the admin,
the staff API and the public API all refuse it alike.

- An event starts no earlier than 2000-01-01 and at most EVENT_YEARS_AHEAD years from today,
  and lasts at most EVENT_MAX_DAYS days; its registration opens and closes in the same years.
- A payment recorded by hand was received at most PAYMENT_MAX_AGE_DAYS days ago (and not in the
  future: the payment service's own rule).
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from core.exceptions import InvalidData

EVENT_EARLIEST = date(2000, 1, 1)
EVENT_YEARS_AHEAD = 5
EVENT_MAX_DAYS = 31
PAYMENT_MAX_AGE_DAYS = 730


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def check_event_dates(
    *,
    starts_at: datetime,
    ends_at: datetime,
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
    today: date | None = None,
) -> None:
    today = today or timezone.localdate()
    latest = today.replace(year=today.year + EVENT_YEARS_AHEAD, day=min(today.day, 28))
    start = _local_day(starts_at)
    if start < EVENT_EARLIEST or start > latest:
        raise InvalidData(
            f"An event starts between {EVENT_EARLIEST:%Y-%m-%d} and {latest:%Y-%m-%d}.",
            field="starts_at",
        )
    if ends_at > starts_at + timedelta(days=EVENT_MAX_DAYS):
        raise InvalidData(
            f"An event ends within {EVENT_MAX_DAYS} days of its start.", field="ends_at"
        )
    for name, moment in (
        ("registration_opens_at", registration_opens_at),
        ("registration_closes_at", registration_closes_at),
    ):
        if moment is not None and not (EVENT_EARLIEST <= _local_day(moment) <= latest):
            raise InvalidData(
                f"Registration opens and closes between {EVENT_EARLIEST:%Y-%m-%d} and "
                f"{latest:%Y-%m-%d}.",
                field=name,
            )


def check_payment_received(received_on: date, *, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if received_on < today - timedelta(days=PAYMENT_MAX_AGE_DAYS):
        raise InvalidData(
            f"A payment recorded by hand was received in the last {PAYMENT_MAX_AGE_DAYS} days.",
            field="received_on",
        )
