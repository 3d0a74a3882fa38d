"""What every demo step is given: the day the demo treats as today, the seed, the staff users, and
a generator of random choices of its own."""

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
