"""The demo chamber's last three years, as the services would have recorded them on the days they
happened (demo/clock.py): each dues period since January 1 two years back invoiced ahead of its
start and paid by check or ACH some days later, members moving into grace and lapsing when they
did, renewal invoices still unpaid by members in grace, and the pledge installments of those
years invoiced a month ahead and paid around their due date (a few recent ones still open).
Older history is recorded as before: paid through, without invoices (imported).

The small variations (how many days a payer takes, by check or ACH) are drawn from a generator
seeded by the organization's name and the period, so the demo is the same for a seed and a day
whichever order or database it is written in."""

import random
from datetime import date, timedelta
from typing import Any

from django.conf import settings

from billing import services as billing
from billing.models import Invoice, Payment
from crm import services
from crm.models import Membership, Pledge
from demo import clock

YEARS = 3
RENEWAL_LEAD_DAYS = 45
INSTALLMENT_LEAD_DAYS = 30
LATE_DAYS = 90


def history_start(today: date) -> date:
    """The first day of the years the demo invoices: January 1 two years before today's."""
    return date(today.year - YEARS + 1, 1, 1)


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def _paid(invoice: Invoice, *, on: date, rng: random.Random, by: Any) -> None:
    method = rng.choice((Payment.Method.CHECK, Payment.Method.CHECK, Payment.Method.ACH))
    with clock.on(on):
        billing.payment_record_offline(
            invoice=invoice,
            amount=invoice.total,
            method=method,
            check_number=str(rng.randint(1001, 9999)) if method == Payment.Method.CHECK else "",
            received_on=on,
            by=by,
        )


def _dues_invoice(membership: Membership, period_start: date, *, issued: date, by: Any) -> Invoice:
    with clock.on(issued):
        draft = billing.invoice_create_for_membership(
            membership=membership,
            period_start=period_start,
            # The chamber's terms: due a month after it is issued.
            due_date=issued + timedelta(days=settings.INVOICE_DAYS_UNTIL_DUE),
            by=by,
        )
        return billing.invoice_issue(invoice=draft, by=by, send_email=False)


def pay_dues(
    membership: Membership,
    *,
    ends: list[date],
    start: date,
    reason: str,
    today: date,
    by: Any,
) -> None:
    """Pay the periods ending on `ends` (the membership's periods from `start`, in order) that
    are not paid yet: those that started before the history years at once, as imported; each
    later one by an invoice issued ahead of its start and paid some days after."""
    first_day = history_start(today)
    membership.refresh_from_db(fields=["paid_through", "status"])
    paid_through = membership.paid_through
    periods = [
        (ends[k - 1] + timedelta(days=1) if k else start, end)
        for k, end in enumerate(ends)
        if paid_through is None or end > paid_through
    ]
    older = [end for period_start, end in periods if period_start < first_day]
    if older:
        services.membership_record_payment(
            membership=membership, period_end=older[-1], by=by, reason=reason
        )
    for period_start, _ in periods:
        if period_start < first_day:
            continue
        rng = _rng(membership.organization.name, period_start)
        issued = min(
            today,
            max(period_start - timedelta(days=RENEWAL_LEAD_DAYS), membership.start_date),
        )
        invoice = _dues_invoice(membership, period_start, issued=issued, by=by)
        paid_on = min(today, issued + timedelta(days=rng.randint(4, 40)))
        _paid(invoice, on=paid_on, rng=rng, by=by)


def overdue(membership: Membership, *, lapse: bool, renewal_invoice: bool, today: date) -> None:
    """Unpaid dues: the membership in grace the day after its paid-through date and lapsed when
    the grace period ended; `renewal_invoice`: its renewal invoice, issued ahead of the period,
    is still open."""
    membership.refresh_from_db(fields=["paid_through", "status"])
    paid_through = membership.paid_through
    assert paid_through is not None
    if renewal_invoice:
        next_start = paid_through + timedelta(days=1)
        issued = max(next_start - timedelta(days=RENEWAL_LEAD_DAYS), membership.start_date)
        _dues_invoice(membership, next_start, issued=min(issued, today), by=None)
    with clock.on(paid_through + timedelta(days=1)):
        services.membership_enter_grace(membership=membership)
    if lapse:
        with clock.on(paid_through + timedelta(days=membership.plan.grace_days + 1)):
            services.membership_lapse(membership=membership)


def pay_installments(pledge: Pledge, *, today: date, leave_open: bool, by: Any) -> None:
    """Invoice each installment due from the history years up to today a month ahead and pay it
    around its due date; `leave_open`: the latest one is still unpaid when it fell due in the
    last quarter (the investor is late, not gone)."""
    due = [
        i
        for i in pledge.installments.order_by("number")
        if not i.settled_outside and i.due_date <= today
    ]
    for position, installment in enumerate(due):
        rng = _rng(pledge.organization.name, installment.due_date)
        issued = installment.due_date - timedelta(days=INSTALLMENT_LEAD_DAYS)
        with clock.on(issued):
            draft = billing.invoice_create_for_installment(installment=installment, by=by)
            invoice = billing.invoice_issue(invoice=draft, by=by, send_email=False)
        latest = position == len(due) - 1
        if leave_open and latest and installment.due_date > today - timedelta(days=LATE_DAYS):
            continue
        paid_on = min(today, installment.due_date + timedelta(days=rng.randint(-10, 12)))
        _paid(invoice, on=paid_on, rng=rng, by=by)


def deposit_checks(*, today: date, by: Any) -> int:
    """The checks received in each month before this one, taken to the bank on the third of
    the next month and reconciled (reviewed) that day; how many deposits were made."""
    checks = (
        Payment.objects.filter(
            method=Payment.Method.CHECK,
            status=Payment.Status.SUCCEEDED,
            received_on__lt=today.replace(day=1),
            deposit_item__isnull=True,
        )
        .select_related("invoice")
        .order_by("received_on", "pk")
    )
    by_month: dict[date, list[Payment]] = {}
    for check in checks:
        assert check.received_on is not None
        by_month.setdefault(check.received_on.replace(day=1), []).append(check)
    for month, payments in by_month.items():
        deposited_on = (month + timedelta(days=32)).replace(day=3)
        with clock.on(deposited_on):
            deposit = billing.deposit_create(
                payments=payments,
                deposited_on=deposited_on,
                reference=f"Checks of {month:%B %Y}",
                by=by,
            )
            billing.deposit_review(deposit=deposit, by=by)
    return len(by_month)
