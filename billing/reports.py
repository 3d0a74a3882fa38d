"""Finance's reports, as plain rows the admin pages, their CSV downloads and the dashboard
share. Each runs a fixed number of queries whatever the number of rows."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, DecimalField, F, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from billing.models import (
    Dispute,
    Invoice,
    InvoiceLine,
    JournalLine,
    Payment,
    Refund,
    RevenueRecognition,
)
from billing.money import ZERO, money
from billing.selectors import invoice_list
from crm.models import Membership, MembershipPlan, MembershipTransition, Pledge

_MONEY = DecimalField(max_digits=12, decimal_places=2)
# Invoices that are billed: not a draft, not voided.
BILLED = (Invoice.Status.OPEN, Invoice.Status.PAID, Invoice.Status.UNCOLLECTIBLE)

AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def aging_bucket(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


@dataclass
class AgingRow:
    organization_id: int
    organization: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(AGING_BUCKETS, ZERO))

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def _end_of(day: date) -> datetime:
    """The first instant after `day` in the chamber's time zone: what happened before it had
    happened by the end of that day."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def ar_aging(*, as_of: date) -> tuple[list[AgingRow], AgingRow]:
    """What each organization owed at the end of `as_of` on the invoices open then, by days past
    the due date (the issue date when there is none); the second value is the totals row.

    Everything is as it was on that day, read from dated records: an invoice counts if it was
    issued by then and was open then (its status in its change history at that moment: one paid,
    voided, written off or refunded later was still open), and it owed its total less the
    payments received by then (a payment the bank returned later still counted then; one that
    had not arrived did not) plus what disputes had taken back by then (their history too).
    Three queries whatever the number of invoices."""
    cutoff = _end_of(as_of)
    history = Invoice.history.model.objects.filter(id=OuterRef("pk"), history_date__lt=cutoff)
    # Unchanged since the day, an invoice's status now is its status then: only open ones
    # count. The payments and disputes are read for the same invoices (a join, not a list).
    candidates = Q(issue_date__lte=as_of) & (
        Q(status=Invoice.Status.OPEN) | Q(status_changed_at__gte=cutoff)
    )
    invoices = list(
        Invoice.objects.select_related("organization")
        .filter(candidates)
        .exclude(status=Invoice.Status.DRAFT)
        .annotate(
            status_then=Subquery(
                history.order_by("-history_date", "-history_id").values("status")[:1]
            )
        )
        .order_by("organization__name", "pk")
    )
    # No history row by then (a record older than its history): it changed later, so it was
    # open then, as issued.
    open_then = [
        invoice
        for invoice in invoices
        if (invoice.status_then or Invoice.Status.OPEN) == Invoice.Status.OPEN
    ]
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    payments = (
        Payment.objects.filter(invoice__in=Invoice.objects.filter(candidates))
        .annotate(day=Coalesce("received_on", TruncDate("created")))
        .filter(day__lte=as_of)
        .filter(
            Q(status=Payment.Status.SUCCEEDED)
            | Q(status=Payment.Status.FAILED, returned_at__gte=cutoff)
        )
        .values("invoice_id")
        .annotate(s=Sum("amount"))
    )
    for received in payments:
        paid[received["invoice_id"]] += received["s"]
    dispute_history = Dispute.history.model.objects.filter(
        id=OuterRef("pk"), history_date__lt=cutoff
    ).order_by("-history_date", "-history_id")
    disputes = (
        Dispute.objects.filter(payment__invoice__in=Invoice.objects.filter(candidates))
        .annotate(taken_back_then=Subquery(dispute_history.values("taken_back")[:1]))
        .filter(taken_back_then=True)
        .values("payment__invoice_id", "amount")
    )
    for dispute in disputes:
        paid[dispute["payment__invoice_id"]] -= dispute["amount"]
    rows: dict[int, AgingRow] = {}
    totals = AgingRow(0, "Total")
    for invoice in open_then:
        due = invoice.total - paid[invoice.pk]
        if due <= ZERO:
            continue
        day = invoice.due_date or invoice.issue_date or as_of
        bucket = aging_bucket((as_of - day).days)
        row = rows.setdefault(
            invoice.organization_id, AgingRow(invoice.organization_id, invoice.organization.name)
        )
        row.buckets[bucket] += due
        totals.buckets[bucket] += due
    return list(rows.values()), totals


@dataclass
class RetentionRow:
    plan: str
    year: int
    due: int
    renewed: int

    @property
    def rate(self) -> Decimal | None:
        if not self.due:
            return None
        return (Decimal(self.renewed) * 100 / self.due).quantize(Decimal("0.1"))


# The plan a line billed: the one stored on it, else (a line from before plans were stored
# on lines, or not for a membership) its membership's.
_LINE_PLAN = Coalesce("plan__name", "membership__plan__name", Value("(no plan)"))


def retention(*, as_of: date) -> list[RetentionRow]:
    """Of the paid dues terms that ended by `as_of`, by the plan of that term and the year of
    its end: how many were renewed (a later term of the same membership was paid). A
    membership's terms are read from its paid dues invoices, and each counts under the plan its
    invoice billed, not the plan the membership is on now."""
    terms: dict[int, dict[tuple[date | None, date | None], str]] = defaultdict(dict)
    lines = (
        InvoiceLine.objects.filter(
            kind=InvoiceLine.Kind.MEMBERSHIP,
            invoice__status=Invoice.Status.PAID,
            period_end__isnull=False,
        )
        .annotate(plan_name=_LINE_PLAN)
        .values("membership_id", "plan_name", "period_start", "period_end")
        .order_by("membership_id", "period_start", "pk")
    )
    for line in lines:
        # A term billed in several lines (dues, then a proration credit) is one term.
        terms[line["membership_id"]].setdefault(
            (line["period_start"], line["period_end"]), line["plan_name"]
        )
    counts: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for periods in terms.values():
        for (_, end), plan in periods.items():
            if end is None or end > as_of:
                continue
            tally = counts[(plan, end.year)]
            tally[0] += 1
            if any(start and start > end for start, _ in periods):
                tally[1] += 1
    return [
        RetentionRow(plan=plan, year=year, due=due, renewed=renewed)
        for (plan, year), (due, renewed) in sorted(
            counts.items(), key=lambda kv: (kv[0][1], kv[0][0])
        )
    ]


def months(since: date, until: date) -> list[date]:
    month, last, found = since.replace(day=1), until.replace(day=1), []
    while month <= last:
        found.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return found


def _month(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def members_by_month(*, since: date, until: date) -> list[dict[str, Any]]:
    """New members (first activated) and lapsed ones, month by month."""
    joined = (
        Membership.objects.filter(member_since__gte=since, member_since__lte=until)
        .annotate(m=TruncMonth("member_since"))
        .values("m")
        .annotate(n=Count("pk"))
    )
    lapsed = (
        MembershipTransition.objects.filter(
            to_status=Membership.Status.LAPSED, at__date__gte=since, at__date__lte=until
        )
        .annotate(m=TruncMonth("at"))
        .values("m")
        .annotate(n=Count("pk"))
    )
    new_by = {_month(r["m"]): r["n"] for r in joined}
    lapsed_by = {_month(r["m"]): r["n"] for r in lapsed}
    return [
        {"month": m, "new": new_by.get(m, 0), "lapsed": lapsed_by.get(m, 0)}
        for m in months(since, until)
    ]


def dues_billed_by_plan_by_month(
    *, since: date, until: date
) -> tuple[list[str], list[dict[str, Any]]]:
    """Dues billed, by plan and month of issue: every line of the dues invoices issued in the
    range and not voided (annual dues, proration credits, upgrades, reinstatement fees), under
    the plan each line billed. What was billed, not what was collected or recognised."""
    rows = (
        InvoiceLine.objects.filter(
            invoice__kind=Invoice.Kind.DUES,
            invoice__status__in=BILLED,
            invoice__issue_date__gte=since,
            invoice__issue_date__lte=until,
        )
        .annotate(m=TruncMonth("invoice__issue_date"), plan_name=_LINE_PLAN)
        .values("m", "plan_name")
        .annotate(s=Sum("amount"))
    )
    table: dict[date, dict[str, Decimal]] = defaultdict(dict)
    plans: set[str] = set()
    for row in rows:
        plan = row["plan_name"]
        plans.add(plan)
        table[_month(row["m"])][plan] = row["s"]
    names = sorted(plans)
    return names, [
        {
            "month": m,
            "plans": [table[m].get(p, ZERO) for p in names],
            "total": sum(table[m].values(), ZERO),
        }
        for m in months(since, until)
    ]


def dues_collected_by_month(*, since: date, until: date) -> dict[date, Decimal]:
    """Dues collected, by month: the payments on dues invoices received in the month, less the
    refunds made in the month and what disputes took back in the month (a won dispute gives it
    back: it no longer counts). Cash in, whatever the month it pays for: a payment from the
    credit balance is money already counted when it came in, and a returned ACH debit never
    counts."""
    received = (
        Payment.objects.filter(
            invoice__kind=Invoice.Kind.DUES,
            status=Payment.Status.SUCCEEDED,
            received_on__gte=since,
            received_on__lte=until,
        )
        .exclude(method=Payment.Method.CREDIT)
        .annotate(m=TruncMonth("received_on"))
        .values("m")
        .annotate(s=Sum("amount"))
    )
    refunded = (
        Refund.objects.filter(
            payment__invoice__kind=Invoice.Kind.DUES,
            status__in=Refund.COUNTED_STATUSES,
            created__date__gte=since,
            created__date__lte=until,
        )
        .annotate(m=TruncMonth("created"))
        .values("m")
        .annotate(s=Sum("amount"))
    )
    taken_back = (
        Dispute.objects.filter(
            payment__invoice__kind=Invoice.Kind.DUES,
            taken_back=True,
            created__date__gte=since,
            created__date__lte=until,
        )
        .annotate(m=TruncMonth("created"))
        .values("m")
        .annotate(s=Sum("amount"))
    )
    collected = dict.fromkeys(months(since, until), ZERO)
    for row in received:
        collected[_month(row["m"])] += row["s"]
    for rows in (refunded, taken_back):
        for row in rows:
            collected[_month(row["m"])] -= row["s"]
    return collected


def dues_recognised_by_month(*, since: date, until: date) -> dict[date, Decimal]:
    """Dues recognised, by month, as the exported journal books them: what its entries dated in
    the month credited (less debited) to the plans' dues revenue accounts (the part of an
    invoice or payment earned at once, and each month's recognition of deferred dues). What is
    not exported yet is not in it."""
    accounts = MembershipPlan.objects.values("gl_revenue_account").distinct()
    rows = (
        JournalLine.objects.filter(
            account__in=accounts, entry_date__gte=since, entry_date__lte=until
        )
        .annotate(m=TruncMonth("entry_date"))
        .values("m")
        .annotate(s=Sum(F("credit") - F("debit"), output_field=_MONEY))
    )
    recognised = dict.fromkeys(months(since, until), ZERO)
    for row in rows:
        recognised[_month(row["m"])] += row["s"]
    return recognised


def pledge_summary() -> list[dict[str, Any]]:
    """By investor level: committed (confirmed and completed pledges over their term),
    billed, paid (net of refunds) and outstanding (committed less paid)."""
    committed = (
        Pledge.objects.filter(status__in=[Pledge.Status.CONFIRMED, Pledge.Status.COMPLETED])
        .values("level__name")
        .annotate(s=Sum(F("annual_amount") * F("term_years"), output_field=_MONEY))
    )
    invoices = (
        invoice_list()
        .filter(kind=Invoice.Kind.PLEDGE, status__in=BILLED)
        .values(  # type: ignore[misc]
            "lines__pledge_installment__pledge__level__name", "total", "paid_sum", "refunded_sum"
        )
    )
    levels: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"committed": ZERO, "billed": ZERO, "paid": ZERO}
    )
    for row in committed:
        levels[row["level__name"]]["committed"] += row["s"] or ZERO
    for row in invoices:
        level = levels[row["lines__pledge_installment__pledge__level__name"] or "(no level)"]
        level["billed"] += row["total"]
        level["paid"] += (row["paid_sum"] or ZERO) - (row["refunded_sum"] or ZERO)
    return [
        {"level": name, **figures, "outstanding": max(figures["committed"] - figures["paid"], ZERO)}
        for name, figures in sorted(levels.items())
    ]


def event_revenue(*, since: date, until: date) -> list[dict[str, Any]]:
    """Event registration revenue by GL account and month of the event (the line's period,
    else the invoice's issue date): the registration lines of paid invoices, net of what was
    refunded of them. A refund comes off the invoice's lines in proportion to their amounts, so
    a registration refunded in full (its invoice "refunded in full") counts for nothing and is
    left out, and a partial refund counts net. One query whatever the number of lines."""
    refunded = (
        Refund.objects.filter(
            payment__invoice=OuterRef("invoice"), status__in=Refund.COUNTED_STATUSES
        )
        .values("payment__invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    lines = (
        InvoiceLine.objects.filter(
            kind=InvoiceLine.Kind.REGISTRATION,
            invoice__status__in=(Invoice.Status.PAID, Invoice.Status.REFUNDED),
        )
        .annotate(day=Coalesce("period_start", "invoice__issue_date"))
        .filter(day__gte=since, day__lte=until)
        .annotate(
            m=TruncMonth("day"),
            refunded=Coalesce(Subquery(refunded, output_field=_MONEY), Value(ZERO)),
        )
        .values("m", "gl_account", "amount", "refunded", "invoice__total")
    )
    table: dict[tuple[date, str], dict[str, Any]] = {}
    for line in lines:
        amount, total = line["amount"], line["invoice__total"]
        share = money(line["refunded"] * amount / total) if total else ZERO
        net = amount - share
        if net <= ZERO:
            continue
        key = (_month(line["m"]), line["gl_account"])
        entry = table.setdefault(key, {"amount": ZERO, "lines": 0})
        entry["amount"] += net
        entry["lines"] += 1
    return [
        {"month": month, "gl_account": account, **table[(month, account)]}
        for month, account in sorted(table)
    ]


@dataclass
class RollForwardRow:
    gl_account: str
    opening: Decimal = ZERO
    deferred: Decimal = ZERO
    recognised: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.deferred - self.recognised


def deferred_revenue_rollforward(
    *, since: date, until: date
) -> tuple[list[RollForwardRow], RollForwardRow]:
    """The deferred revenue account from `since` to `until`, by the revenue account each part
    will be recognised in: the opening balance, what was deferred (dues paid for later months,
    less the deferred part of refunds), what was recognised, and the closing balance. Read from
    the exported journal's schedule (RevenueRecognition), each part dated as the journal entry
    that posted it, so it ties to the deferred revenue account's lines in the exported batches.
    Three queries whatever the number of rows; the second value is the totals row."""
    account = settings.BILLING_GL_ACCOUNTS["deferred_revenue"]
    # The day of each journal entry that moved the deferred account, by batch and source.
    posted = {
        (row["batch_id"], row["source"]): row["day"]
        for row in JournalLine.objects.filter(account=account)
        .values("batch_id", "source")
        .annotate(day=Min("entry_date"))
    }
    rows: dict[str, RollForwardRow] = {}
    schedule = RevenueRecognition.objects.filter(
        Q(deferred_in__date_from__lte=until) | Q(recognized_in__date_from__lte=until)
    ).values("gl_account", "amount", "month", "source", "deferred_in_id", "recognized_in_id")
    for part in schedule:
        row = rows.setdefault(part["gl_account"], RollForwardRow(part["gl_account"]))
        amount = part["amount"]
        deferred_on = posted.get((part["deferred_in_id"], part["source"]))
        recognised_on = (
            posted.get((part["recognized_in_id"], f"recognition {part['month']:%Y-%m}"))
            if part["recognized_in_id"]
            else None
        )
        if deferred_on is not None and deferred_on < since:
            row.opening += amount
        elif deferred_on is not None and deferred_on <= until:
            row.deferred += amount
        if recognised_on is not None and recognised_on < since:
            row.opening -= amount
        elif recognised_on is not None and recognised_on <= until:
            row.recognised += amount
    found = [rows[name] for name in sorted(rows)]
    totals = RollForwardRow(
        "Total",
        opening=sum((r.opening for r in found), ZERO),
        deferred=sum((r.deferred for r in found), ZERO),
        recognised=sum((r.recognised for r in found), ZERO),
    )
    return found, totals


def dashboard(*, today: date) -> dict[str, Any]:
    """The key figures of the admin's front page."""
    year_start = today.replace(month=1, day=1)
    members = Membership.objects.aggregate(
        active=Count("pk", filter=Q(status__in=Membership.CURRENT_STATUSES)),
        renewals_due=Count(
            "pk",
            filter=Q(
                status__in=Membership.CURRENT_STATUSES,
                paid_through__gte=today,
                paid_through__lte=today + timedelta(days=60),
            ),
        ),
    )
    aging_rows, aging_totals = ar_aging(as_of=today)
    pledges = pledge_summary()
    # The same figures as the dues report for the year so far.
    _, dues_months = dues_billed_by_plan_by_month(since=year_start, until=today)
    collected = dues_collected_by_month(since=year_start, until=today)
    recognised = dues_recognised_by_month(since=year_start, until=today)
    return {
        "active_members": members["active"],
        "renewals_due": members["renewals_due"],
        "dues_billed": sum((row["total"] for row in dues_months), ZERO),
        "dues_collected": sum(collected.values(), ZERO),
        "dues_recognised": sum(recognised.values(), ZERO),
        "ar_outstanding": aging_totals.total,
        "ar_organizations": len(aging_rows),
        "aging": aging_totals.buckets,
        "pledges_outstanding": sum((p["outstanding"] for p in pledges), ZERO),
        "dues_by_month": [(row["month"], row["total"]) for row in dues_months],
    }
