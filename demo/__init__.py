"""Demo data for `manage.py seed_demo`.

Each capability adds its own module with a `seed(ctx: DemoContext) -> str` function and lists it
in `DEMO_STEPS` in crm/management/commands/seed_demo.py; the command runs the steps in order,
each in its own transaction, and prints what each returns (one line saying what it made).

A step must:
- write through the services, as staff would, so histories and transitions are real;
- draw every random choice from `ctx.random("<step name>")`, so the same seed and day give the
  same data, and adding a step leaves the others' data as it was;
- be safe to run again: find what it made before by natural keys (a name, a code) and create
  only what is missing.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class DemoContext:
    today: date
    seed: int
    # The demo's staff users by role name: "admin", "membership", "finance", "events", "readonly".
    staff: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def random(self, step: str) -> random.Random:
        # A string seed is hashed the same way in every process (not by PYTHONHASHSEED).
        return random.Random(f"{self.seed}:{step}")
