"""The demo: a made-up chamber, loaded by `manage.py seed_demo` (which `make demo` runs).

`run()` is the one entry point. It makes the staff users (staff.py), then runs the steps in
`STEPS` in order, each in its own transaction, and logs what each made (one line each). The
tables the steps draw from are in data/.

Each step is a function `seed(ctx: DemoContext) -> str` (context.py) in a module of its subject,
returning one line saying what it made. A step must:
- write through the services, as staff would, so histories and transitions are real;
- draw every random choice from `ctx.random("<step name>")`, so the same seed and day give the
  same data, and adding a step leaves the others' data as it was;
- be safe to run again: find what it made before by natural keys (a name, a code) and create
  only what is missing.
"""

from collections.abc import Callable
from datetime import date

from django.db import transaction

from demo import billing, chamber, events, renewals
from demo.context import DemoContext
from demo.staff import ensure_staff_users

# Run in this order: each step works on what the ones before it made (the chamber's
# organizations, people and members first).
STEPS: tuple[Callable[[DemoContext], str], ...] = (
    chamber.seed,
    billing.seed,
    renewals.seed,
    events.seed,
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
