"""The demo's upcoming events: their tickets, and the parties that register for them in order
(so the last ones of a nearly full event wait)."""

from dataclasses import dataclass
from datetime import time


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


EVENTS = (
    EventSpec(
        slug="business-after-hours-wadsworth",
        title="Business After Hours at the Wadsworth",
        days_ahead=16,
        start=time(17, 30),
        hours=2,
        venue="Wadsworth Atheneum Museum of Art, 600 Main Street, Hartford",
        description="An evening of networking among the galleries, with light fare and a cash "
        "bar. Bring business cards and a colleague.",
        tickets=(TicketSpec("general", "General admission", "25.00", "40.00", 150),),
        parties=(("general", (1, 2, 1, 1, 3, 1, 2, 1)),),
        paid_by_check=3,
    ),
    EventSpec(
        slug="economic-outlook-breakfast",
        title="Members' Economic Outlook Breakfast",
        days_ahead=23,
        start=time(7, 30),
        hours=1.5,
        venue="Hartford Marriott Downtown, 200 Columbus Boulevard, Hartford",
        description="The region's economists on jobs, housing and the year ahead. For people of "
        "member organizations.",
        tickets=(
            TicketSpec("member", "Member seat", "35.00", "35.00", 80, members_only=True),
            TicketSpec("member-table", "Member table of 8", "260.00", "260.00", 5, True),
        ),
        parties=(("member", (1, 1, 2, 1)),),
    ),
    EventSpec(
        slug="annual-meeting-awards-luncheon",
        title="Annual Meeting & Awards Luncheon",
        days_ahead=37,
        start=time(11, 30),
        hours=2.5,
        venue="Connecticut Convention Center, 100 Columbus Boulevard, Hartford",
        description="The year in review, the chamber's awards and a keynote. Nearly sold out: "
        "join the waitlist and we will email you if a place opens up.",
        tickets=(TicketSpec("luncheon", "Luncheon seat", "65.00", "95.00", 42),),
        parties=(("luncheon", (2, 4, 3, 2, 1, 4, 2, 3, 2, 1, 4, 2, 3, 2, 1, 2, 3, 2, 3, 2)),),
        paid_by_check=6,
    ),
    EventSpec(
        slug="young-professionals-coffee",
        title="Hartford Young Professionals Coffee",
        days_ahead=9,
        start=time(8, 0),
        hours=1,
        venue="Story and Soil Coffee, 190 Trumbull Street, Hartford",
        description="Coffee and conversation for professionals early in their careers. Free.",
        tickets=(TicketSpec("free", "Free admission", "0.00", "0.00", 30),),
        parties=(("free", (1, 1, 1, 2, 1)),),
    ),
)
