"""The daily run's report, and how each step works through its rows: in chunks of candidates,
each row in its own transaction so one bad row is reported and the others go on."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from billing.services.common import bill_to
from core.exceptions import ServiceError
from core.mail import send_templated
from crm.models import Membership

logger = logging.getLogger("crm.renewals")

MStatus = Membership.Status
CHUNK = 500


@dataclass
class RunReport:
    today: date
    dry_run: bool = False
    actions: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, step: str, sentence: str) -> None:
        self.actions.append((step, sentence))

    def count(self, step: str) -> int:
        return sum(1 for s, _ in self.actions if s == step)

    @property
    def changed(self) -> int:
        return len(self.actions)

    def lines(self) -> list[str]:
        head = "Would do" if self.dry_run else "Done"
        lines = [f"{head} as of {self.today.isoformat()}:"]
        for step in STEPS:
            lines.append(f"  {step}: {self.count(step)}")
        lines += [f"  - {sentence}" for _, sentence in self.actions]
        lines += [f"  ! {error}" for error in self.errors]
        return lines


PLAN_CHANGES = "plan changes applied"
RENEWAL_INVOICES = "renewal invoices"
REMINDERS = "reminders sent"
GRACE = "into grace"
LAPSED = "lapsed"
INSTALLMENTS = "pledge installments invoiced"
PLEDGES_COMPLETED = "pledges completed"
RENEWAL_PROPOSALS = "pledge renewals proposed"
STEPS = (
    PLAN_CHANGES,
    RENEWAL_INVOICES,
    REMINDERS,
    GRACE,
    LAPSED,
    INSTALLMENTS,
    PLEDGES_COMPLETED,
    RENEWAL_PROPOSALS,
)


def _chunks(pks: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(pks), CHUNK):
        yield pks[start : start + CHUNK]


def _each(report: RunReport, what: str, rows: Any, work: Callable[[Any], None]) -> None:
    """Run `work` on each row in its own transaction; a failure is reported, the rest go on."""
    for row in rows:
        try:
            with transaction.atomic():
                work(row)
        except ServiceError as exc:
            report.errors.append(f"{what} {row}: {exc.message}")
        except Exception as exc:
            logger.exception("daily run: %s %s failed", what, row)
            report.errors.append(f"{what} {row}: {exc.__class__.__name__}: {exc}")


def _notify_membership(
    membership: Membership, *, template: str, subject: str, reason: str, **extra: Any
) -> None:
    contact = bill_to(membership.organization)
    send_templated(
        to=[contact.email] if contact else [],
        template=template,
        subject=subject,
        context={
            "membership": membership,
            "organization": membership.organization,
            "contact": contact,
            "plan": membership.plan,
            **extra,
        },
        reason=reason,
        organization=membership.organization,
        contact=contact,
    )
