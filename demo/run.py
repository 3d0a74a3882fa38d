"""The demo's one entry point, `run()`, and its steps in order (see demo/__init__.py)."""

from collections.abc import Callable
from datetime import date

from django.db import transaction

from demo import benefits, billing, chamber, events, pipeline, renewals
from demo.context import DemoContext
from demo.staff import ensure_staff_users

# Run in this order: each step works on what the ones before it made (the chamber's
# organizations, people and members first).
STEPS: tuple[Callable[[DemoContext], str], ...] = (
    chamber.seed,
    billing.seed,
    renewals.seed,
    events.seed,
    pipeline.seed,
    benefits.seed,
)


def run(*, today: date, seed: int, password: str, log: Callable[[str], None] = print) -> None:
    """Load the demo as `today` would see it, its random choices drawn from `seed`, every staff
    user's password set to `password`; `log` gets one line for the staff users and one for each
    step. Running it again adds only what is missing."""
    with transaction.atomic():
        staff, created = ensure_staff_users(password=password)
    log(
        f"staff users: {len(created)} created"
        + (f" ({', '.join(created)})" if created else "")
        + f", {len(staff) - len(created)} already there (password set to the one below)"
    )
    ctx = DemoContext(today=today, seed=seed, staff=staff, log=log)
    for step in STEPS:
        # One transaction per step: a failure leaves the step's data out entirely, and a
        # second run finds nothing half-made.
        with transaction.atomic():
            log(step(ctx))
