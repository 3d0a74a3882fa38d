"""The demo's events, past (`days_ahead` below 0) and upcoming: their tickets, and the parties
that register for them in order (so the last ones of a nearly full event wait)."""

from dataclasses import dataclass
from datetime import time

from demo.data import load


@dataclass(frozen=True)
class TicketSpec:
    code: str
    name: str
    member_price: str
    non_member_price: str
    capacity: int
    members_only: bool = False


@dataclass(frozen=True)
class EventSpec:
    slug: str
    title: str
    days_ahead: int
    start: time
    hours: float
    venue: str
    description: str
    tickets: tuple[TicketSpec, ...]
    # (ticket code, party sizes): registered in this order, so the last ones may wait.
    parties: tuple[tuple[str, tuple[int, ...]], ...] = ()
    paid_by_check: int = 0  # how many of the first paid registrations sent their check


EVENTS: tuple[EventSpec, ...] = load("events", "events", EventSpec)
