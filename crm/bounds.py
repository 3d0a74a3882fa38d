"""The dates a chamber's records may sensibly carry. Anything outside is a typing slip (a year
347, a check "received" in 1990) and is refused by the service, naming the field, so the admin,
the staff API and the public API all refuse it alike.

- An event starts no earlier than 2000-01-01 and at most EVENT_YEARS_AHEAD years from today,
  and lasts at most EVENT_MAX_DAYS days.
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


def check_event_dates(*, starts_at: datetime, ends_at: datetime, today: date | None = None) -> None:
    today = today or timezone.localdate()
    latest = today.replace(year=today.year + EVENT_YEARS_AHEAD, day=min(today.day, 28))
    start = (
        timezone.localtime(starts_at).date() if timezone.is_aware(starts_at) else starts_at.date()
    )
    if start < EVENT_EARLIEST or start > latest:
        raise InvalidData(
            f"An event starts between {EVENT_EARLIEST:%Y-%m-%d} and {latest:%Y-%m-%d}.",
            field="starts_at",
        )
    if ends_at > starts_at + timedelta(days=EVENT_MAX_DAYS):
        raise InvalidData(
            f"An event ends within {EVENT_MAX_DAYS} days of its start.", field="ends_at"
        )


def check_payment_received(received_on: date, *, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if received_on < today - timedelta(days=PAYMENT_MAX_AGE_DAYS):
        raise InvalidData(
            f"A payment recorded by hand was received in the last {PAYMENT_MAX_AGE_DAYS} days.",
            field="received_on",
        )
