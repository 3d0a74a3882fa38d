"""Invoices, their lines and payments for the benchmark's data set (when billing exists)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.apps import apps

from bench.seed import bulk, reference

if TYPE_CHECKING:
    from bench.seed import Seeder

STATUSES = [
    ("paid", 0.70),
    ("open", 0.15),
    ("void", 0.05),
    ("uncollectible", 0.02),
    ("draft", 0.08),
]
DUES = [Decimal(a) for a in ("495.00", "895.00", "1450.00", "2600.00", "4200.00", "450.00")]


def invoices(seeder: Seeder) -> int:
    """Four years of dues invoices spread over the organizations: most paid by check, card or
    ACH, some open (a few overdue), some void, written off or still drafts."""
    Invoice = apps.get_model("billing", "Invoice")
    InvoiceLine = apps.get_model("billing", "InvoiceLine")
    Payment = apps.get_model("billing", "Payment")
    Sequence = apps.get_model("billing", "InvoiceNumberSequence")
    Membership = apps.get_model("crm", "Membership")
    Organization = apps.get_model("crm", "Organization")
    Contact = apps.get_model("crm", "Contact")

    rng = seeder.rng
    orgs = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    contacts = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    memberships = dict(Membership.objects.values_list("organization_id", "pk"))
    names, weights = zip(*STATUSES, strict=True)
    numbers: dict[int, int] = defaultdict(int)
    plan = []  # (org index, status, issue date, amount) per invoice, to add lines and payments

    def rows() -> Iterator:
        for i in range(seeder.sizes.invoices):
            k = (i * 7919) % len(orgs)  # spread over the organizations, deterministically
            status = rng.choices(names, weights)[0]
            issued = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1260))
            amount = rng.choice(DUES)
            number = None
            if status != "draft":
                numbers[issued.year] += 1
                number = f"{issued.year}-{numbers[issued.year]:05d}"
            plan.append((k, status, issued, amount))
            yield Invoice(
                organization_id=orgs[k],
                contact_id=contacts[k],
                kind="dues" if orgs[k] in memberships else "other",
                status=status,
                number=number,
                reference=reference(rng),
                total=amount,
                explanation=f"Annual dues {issued.year}",
                issue_date=None if status == "draft" else issued,
                due_date=issued + timedelta(days=30),
                paid_at=datetime.combine(issued + timedelta(days=20), time(12), UTC)
                if status == "paid"
                else None,
            )

    count = bulk(Invoice, rows())
    Sequence.objects.bulk_create(Sequence(year=y, last_number=n) for y, n in numbers.items())
    ids = list(Invoice.objects.order_by("pk").values_list("pk", flat=True))

    def lines() -> Iterator:
        for pk, (k, _status, issued, amount) in zip(ids, plan, strict=True):
            membership = memberships.get(orgs[k])
            yield InvoiceLine(
                invoice_id=pk,
                kind="membership" if membership else "other",
                description=f"Membership dues {issued.year}",
                amount=amount,
                gl_account="4000",
                period_start=date(issued.year, 1, 1),
                period_end=date(issued.year, 12, 31),
                membership_id=membership,
            )

    def payments() -> Iterator:
        for pk, (_k, status, issued, amount) in zip(ids, plan, strict=True):
            if status != "paid":
                continue
            method = rng.choice(["check", "card", "ach", "card"])
            yield Payment(
                invoice_id=pk,
                method=method,
                status="succeeded",
                amount=amount,
                received_on=issued + timedelta(days=rng.randint(1, 40)),
                check_number=str(rng.randint(1000, 99999)) if method == "check" else "",
                gl_account="1000",
            )

    bulk(InvoiceLine, lines())
    bulk(Payment, payments())
    return count


def steps() -> list:
    from bench.seed import has_model

    return [("invoices", invoices)] if has_model("billing.Invoice") else []
