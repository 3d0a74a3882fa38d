"""What an import did: every row's outcome and why, and the report of the whole file."""

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from crm.models import MembershipPlan

IMPORT_REASON = "imported from a roster file"

_ROLE_LABELS = {
    "is_primary": "primary representative",
    "is_billing": "billing contact",
    "is_event_contact": "event contact",
}


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    SKIPPED = "skipped"


@dataclass
class RowResult:
    number: int
    outcome: Outcome
    organization: str = ""
    contact: str = ""
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def message(self) -> str:
        parts = [self.reason] if self.reason else []
        return " ".join(parts + [f"{c[0].upper()}{c[1:]}." for c in self.changes + self.notes])


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # Outcomes of rows handed to a caller's on_row instead of kept in `rows` (streaming).
    streamed: Counter[Outcome] = field(default_factory=Counter)

    def count(self, outcome: Outcome) -> int:
        return self.streamed[outcome] + sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome.value: self.count(outcome) for outcome in Outcome}

    @property
    def summary(self) -> str:
        counted = ", ".join(f"{n} {name}" for name, n in self.counts.items() if n)
        prefix = "Dry run, nothing saved" if self.dry_run else "Imported"
        return f"{prefix}: {counted or 'no rows'}."


@dataclass
class _Context:
    """What one import remembers between rows: who imports, the plans asked for by code, and
    the first row that named each (organization, contact) pair."""

    by: Any
    plans: dict[str, MembershipPlan | None] = field(default_factory=dict)
    seen: dict[tuple[int, int | None], int] = field(default_factory=dict)
