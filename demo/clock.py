"""The demo's clock: the history of a chamber three years in (dues invoiced and paid month after
month, members moving into grace and lapsing, pledge installments paid as they fell due) is
written through the services as they run on the day it happened. The services read the time
from django.utils.timezone.now (an invoice's issue date, a payment's record, a transition's
moment, every history row); inside `on(day)` that is the day at mid-morning, in the chamber's
time zone. Only the demo uses it, and never for a day after the real today."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from unittest import mock

from django.utils import timezone

MID_MORNING = time(10, 0)


@contextmanager
def on(day: date) -> Iterator[None]:
    moment = timezone.make_aware(datetime.combine(day, MID_MORNING))
    if moment >= timezone.now():
        yield  # today (or later): the real clock
        return
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
