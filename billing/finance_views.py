"""Finance's pages in the admin: the reconciliation of a payout or a bank deposit, the journal
downloads, and the reports (each with a CSV download). Viewing needs the billing view
permissions (finance and read-only staff have them); changing needs finance's."""

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from billing import reports, selectors, services
from billing.charts import bar_chart
from billing.exports import FORMATS, journal_csv
from billing.gateways import GatewayError
from billing.models import BalanceTransaction, BankDeposit, JournalBatch, Payout
from billing.money import ZERO
from billing.reports import AGING_BUCKETS
from core.exceptions import ServiceError
from crm.spreadsheet import formula_safe

REPORT_PERMISSION = "billing.view_payout"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _page(request: HttpRequest, template: str, title: str, **context: Any) -> TemplateResponse:
    return TemplateResponse(
        request,
        template,
        {**admin.site.each_context(request), "title": title, **context},
    )


# --- reconciliation ---------------------------------------------------------------------------


def payout_reconciliation(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "billing.view_payout")
    payout = get_object_or_404(Payout.objects.select_related("journal_batch", "reviewed_by"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "resolve":
                _require(request, "billing.change_balancetransaction")
                txn = get_object_or_404(
                    BalanceTransaction, pk=request.POST.get("transaction"), payout=payout
                )
                services.balance_transaction_resolve(
                    transaction_=txn, resolution=request.POST.get("resolution", ""), by=request.user
                )
                messages.success(request, f"{txn.stripe_id} resolved.")
            elif action == "review":
                _require(request, "billing.change_payout")
                services.payout_review(payout=payout, by=request.user)
                messages.success(request, "Payout marked reviewed.")
            elif action == "reconcile":
                _require(request, "billing.change_payout")
                for line in services.payout_refresh(payout_id=payout.stripe_payout_id):
                    messages.info(request, line)
        except (ServiceError, GatewayError) as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(request.path)
    return _reconciliation_page(request, payout)


def deposit_reconciliation(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "billing.view_bankdeposit")
    deposit = get_object_or_404(
        BankDeposit.objects.select_related("journal_batch", "reviewed_by"), pk=pk
    )
    if request.method == "POST" and request.POST.get("action") == "review":
        _require(request, "billing.change_bankdeposit")
        services.deposit_review(deposit=deposit, by=request.user)
        messages.success(request, "Deposit marked reviewed.")
        return HttpResponseRedirect(request.path)
    return _reconciliation_page(request, deposit)


def _reconciliation_page(request: HttpRequest, subject: Payout | BankDeposit) -> HttpResponse:
    """What reached the bank in a payout or a deposit, and what it holds."""
    if isinstance(subject, Payout):
        title = f"Reconciliation of payout {subject.stripe_payout_id}"
        kind, amount, arrived = "payout", subject.amount, subject.arrival_date
        can_change = request.user.has_perm("billing.change_payout")
        can_resolve = request.user.has_perm("billing.change_balancetransaction")
        rows = selectors.payout_reconciliation(subject)
    else:
        title = f"Reconciliation of bank deposit {subject.reference or subject.pk}"
        kind, amount, arrived = "deposit", subject.total, subject.deposited_on
        can_change = request.user.has_perm("billing.change_bankdeposit")
        can_resolve = False
        rows = selectors.deposit_reconciliation(subject)
    return _page(
        request,
        "admin/billing/reconciliation.html",
        title,
        subject=subject,
        kind=kind,
        opts=subject._meta,
        deposit_amount=amount,
        deposit_date=arrived,
        can_change=can_change,
        can_resolve=can_resolve,
        **rows,
    )


def journal_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _require(request, "billing.view_journalbatch")
    batch = get_object_or_404(JournalBatch, pk=pk)
    if fmt not in FORMATS:
        raise PermissionDenied
    response = HttpResponse(journal_csv(batch, fmt), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="journal-{batch.number}-{fmt}.csv"'
    return response


# --- reports ----------------------------------------------------------------------------------


def _date(request: HttpRequest, name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.GET.get(name) or default.isoformat())
    except ValueError:
        return default


def _money(value: Any) -> str:
    return f"{value:.2f}"


def _aging(request: HttpRequest) -> dict[str, Any]:
    as_of = _date(request, "as_of", timezone.localdate())
    rows, totals = reports.ar_aging(as_of=as_of)
    return {
        "filters": {"as_of": as_of},
        "header": ["Organization", *AGING_BUCKETS, "Total"],
        "rows": [[r.organization, *r.buckets.values(), r.total] for r in rows],
        "totals": ["Total", *totals.buckets.values(), totals.total],
        "chart": bar_chart(
            AGING_BUCKETS, [("Outstanding", list(totals.buckets.values()))], title="AR aging"
        ),
        "note": (
            "What each organization owed at the end of the day chosen, on the invoices open "
            "then, by days past due: payments received and statuses as they were on that day "
            "(an invoice voided, written off or paid later still counts). Written-off invoices "
            "are not in it."
        ),
    }


def _retention(request: HttpRequest) -> dict[str, Any]:
    as_of = _date(request, "as_of", timezone.localdate())
    rows = reports.retention(as_of=as_of)
    by_year: dict[int, list[int]] = {}
    for r in rows:
        tally = by_year.setdefault(r.year, [0, 0])
        tally[0] += r.due
        tally[1] += r.renewed
    return {
        "filters": {"as_of": as_of},
        "header": ["Plan", "Year", "Due", "Renewed", "Retention %"],
        "rows": [
            [r.plan, r.year, r.due, r.renewed, r.rate if r.rate is not None else ""] for r in rows
        ],
        "chart": bar_chart(
            [str(y) for y in by_year],
            [
                ("Due", [t[0] for t in by_year.values()]),
                ("Renewed", [t[1] for t in by_year.values()]),
            ],
            title="Renewed out of due, by year the term ended",
            money=False,
        ),
        "note": (
            "Paid dues terms that ended by the day chosen, by the plan billed for that term "
            "(not the member's plan today) and the year the term ended, and how many were "
            "followed by a paid term. Counts members, not money."
        ),
    }


def _range(request: HttpRequest) -> tuple[date, date]:
    today = timezone.localdate()
    until = _date(request, "until", today)
    since = _date(request, "since", (until - timedelta(days=335)).replace(day=1))
    return since, until


def _members(request: HttpRequest) -> dict[str, Any]:
    since, until = _range(request)
    rows = reports.members_by_month(since=since, until=until)
    labels = [f"{r['month']:%b %y}" for r in rows]
    return {
        "filters": {"since": since, "until": until},
        "header": ["Month", "New members", "Lapsed"],
        "rows": [[f"{r['month']:%Y-%m}", r["new"], r["lapsed"]] for r in rows],
        "chart": bar_chart(
            labels,
            [("New", [r["new"] for r in rows]), ("Lapsed", [r["lapsed"] for r in rows])],
            title="New and lapsed members by month",
            money=False,
        ),
        "note": "Members who first became active, and memberships that lapsed, in each month.",
    }


def _dues(request: HttpRequest) -> dict[str, Any]:
    since, until = _range(request)
    plans, rows = reports.dues_billed_by_plan_by_month(since=since, until=until)
    collected = reports.dues_collected_by_month(since=since, until=until)
    recognised = reports.dues_recognised_by_month(since=since, until=until)
    return {
        "filters": {"since": since, "until": until},
        "header": ["Month", *plans, "Billed", "Collected", "Recognised"],
        "rows": [
            [
                f"{r['month']:%Y-%m}",
                *r["plans"],
                r["total"],
                collected[r["month"]],
                recognised[r["month"]],
            ]
            for r in rows
        ],
        "totals": [
            "Total",
            *[sum((r["plans"][i] for r in rows), ZERO) for i in range(len(plans))],
            sum((r["total"] for r in rows), ZERO),
            sum(collected.values(), ZERO),
            sum(recognised.values(), ZERO),
        ],
        "chart": bar_chart(
            [f"{r['month']:%b %y}" for r in rows],
            [(plan, [r["plans"][i] for r in rows]) for i, plan in enumerate(plans)],
            title="Dues billed by plan by month of issue",
        ),
        "note": (
            "Billed: the dues invoices issued in the month and not voided, under the plan each "
            "line billed. Collected: the dues payments received in the month less the refunds "
            "made in it and what disputes took back in it (a won dispute gives it back); "
            "credit applied from the balance is not collected twice. Neither is revenue. "
            "Recognised: the dues revenue the exported journal booked in the month (earned over "
            "the period the dues pay for; what is not exported yet is not in it). The front "
            "page's figures for the year are these totals from January 1 to today."
        ),
    }


def _pledges(request: HttpRequest) -> dict[str, Any]:
    rows = reports.pledge_summary()
    return {
        "filters": {},
        "header": ["Investor level", "Committed", "Billed", "Paid", "Outstanding"],
        "rows": [
            [r["level"], r["committed"], r["billed"], r["paid"], r["outstanding"]] for r in rows
        ],
        "chart": bar_chart(
            [r["level"] for r in rows],
            [
                ("Billed", [r["billed"] for r in rows]),
                ("Paid", [r["paid"] for r in rows]),
                ("Outstanding", [r["outstanding"] for r in rows]),
            ],
            title="Pledges billed, paid and outstanding",
        ),
        "note": (
            "Committed: confirmed and completed pledges over their whole term. Billed: "
            "installment invoices issued and not voided. Paid: collected on them, net of "
            "refunds. Outstanding: committed less paid."
        ),
    }


def _events(request: HttpRequest) -> dict[str, Any]:
    since, until = _range(request)
    rows = reports.event_revenue(since=since, until=until)
    months = reports.months(since, until)
    by_month = {m: sum((r["amount"] for r in rows if r["month"] == m), ZERO) for m in months}
    return {
        "filters": {"since": since, "until": until},
        "header": ["Month", "GL account", "Registrations", "Revenue"],
        "rows": [[f"{r['month']:%Y-%m}", r["gl_account"], r["lines"], r["amount"]] for r in rows],
        "chart": bar_chart(
            [f"{m:%b %y}" for m in months],
            [("Revenue", list(by_month.values()))],
            title="Event revenue by month of the event",
        ),
        "note": (
            "Revenue recognised in the event's month, as the journal books it: paid "
            "registration lines, net of what was refunded of them (a registration refunded in "
            "full is not counted)."
        ),
    }


def _deferred(request: HttpRequest) -> dict[str, Any]:
    since, until = _range(request)
    rows, totals = reports.deferred_revenue_rollforward(since=since, until=until)

    def figures(row: reports.RollForwardRow) -> list[Any]:
        return [row.gl_account, row.opening, row.deferred, row.recognised, row.closing]

    return {
        "filters": {"since": since, "until": until},
        "header": ["Revenue account", "Opening", "Deferred", "Recognised", "Closing"],
        "rows": [figures(r) for r in rows],
        "totals": figures(totals),
        "chart": bar_chart(
            ["Opening", "Deferred", "Recognised", "Closing"],
            [("Deferred revenue", figures(totals)[1:])],
            title="Deferred revenue over the period",
        ),
        "note": (
            "The deferred revenue account over the period, as exported to the books: the "
            "balance at the start, the dues paid for later months (less the deferred part of "
            "refunds), what was recognised month by month, and the balance at the end, by the "
            "revenue account each part is recognised in. It ties to the deferred revenue "
            "account's lines in the journal batches; what is not exported yet is not in it."
        ),
    }


REPORTS: dict[str, tuple[str, Callable[[HttpRequest], dict[str, Any]]]] = {
    "aging": ("AR aging (owed as of a day)", _aging),
    "retention": ("Retention by plan", _retention),
    "members": ("New and lapsed members", _members),
    "dues": ("Dues billed and collected by plan", _dues),
    "pledges": ("Pledges committed, billed and paid", _pledges),
    "events": ("Event revenue (recognised)", _events),
    "deferred": ("Deferred revenue roll-forward", _deferred),
}


def register_report(slug: str, title: str, build: Callable[[HttpRequest], dict[str, Any]]) -> None:
    """Another app's report among these (crm's benefits by level): billing imports nothing of
    theirs, they register here when they are ready."""
    REPORTS[slug] = (title, build)


def reports_index(request: HttpRequest) -> HttpResponse:
    _require(request, REPORT_PERMISSION)
    return _page(
        request,
        "admin/billing/reports_index.html",
        "Finance reports",
        reports=[(slug, title) for slug, (title, _) in REPORTS.items()],
    )


def report(request: HttpRequest, slug: str) -> HttpResponse:
    _require(request, REPORT_PERMISSION)
    if slug not in REPORTS:
        raise PermissionDenied
    title, build = REPORTS[slug]
    data = build(request)
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(data["header"])
        for row in data["rows"] + ([data["totals"]] if data.get("totals") else []):
            # Amounts are ours; any text (a name typed on the website) is escaped.
            writer.writerow([_money(v) if hasattr(v, "quantize") else formula_safe(v) for v in row])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
        return response
    query = request.GET.copy()
    query["format"] = "csv"
    return _page(
        request,
        "admin/billing/report.html",
        title,
        slug=slug,
        csv_url=f"{reverse('finance-report', args=[slug])}?{query.urlencode()}",
        reports=[(s, t) for s, (t, _) in REPORTS.items()],
        **data,
    )
