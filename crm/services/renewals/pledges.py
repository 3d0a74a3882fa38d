"""Pledge installments coming due are invoiced; pledges whose installments are all paid are
completed."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef

from billing.models import Invoice, InvoiceLine
from billing.money import format_usd
from billing.services import invoice_create_for_installment, invoice_issue
from billing.services.invoice_drafts import STANDING
from crm.models import Pledge, PledgeInstallment
from crm.services.pledges import pledge_complete
from crm.services.renewals.report import INSTALLMENTS, PLEDGES_COMPLETED, RunReport, _each


def _step_installments(report: RunReport) -> None:
    horizon = report.today + timedelta(days=settings.PLEDGE_INVOICE_LEAD_DAYS)
    billed = InvoiceLine.objects.filter(
        pledge_installment=OuterRef("pk"), invoice__status__in=STANDING
    )
    installments = list(
        PledgeInstallment.objects.filter(
            pledge__status=Pledge.Status.CONFIRMED, due_date__lte=horizon, settled_outside=False
        )
        .exclude(Exists(billed))
        .select_related("pledge__organization", "pledge__level")
        .order_by("due_date", "pk")
    )
    if report.dry_run:
        for item in installments:
            report.add(INSTALLMENTS, f"{item.pledge.organization}: installment {item.number}")
        return

    def bill(item: PledgeInstallment) -> None:
        invoice = invoice_create_for_installment(installment=item)
        if invoice.status == Invoice.Status.DRAFT:
            invoice = invoice_issue(invoice=invoice)
            report.add(
                INSTALLMENTS,
                f"{item.pledge.organization}: installment {item.number} invoiced "
                f"({invoice.number}, {format_usd(invoice.total)}, due {item.due_date})",
            )

    _each(report, "installment", installments, bill)


def _step_pledges_completed(report: RunReport) -> None:
    """A safety net: the payment that settles the last installment completes its pledge at
    once (crm/services/effects.py); this finds any that a refund reversal or an import left open."""
    settled = InvoiceLine.objects.filter(
        pledge_installment=OuterRef("pk"),
        invoice__status=Invoice.Status.PAID,
        invoice__reversed_at__isnull=True,
    )
    unsettled = PledgeInstallment.objects.filter(
        pledge=OuterRef("pk"), settled_outside=False
    ).exclude(Exists(settled))
    pledges = list(
        Pledge.objects.filter(status=Pledge.Status.CONFIRMED)
        .filter(Exists(PledgeInstallment.objects.filter(pledge=OuterRef("pk"))))
        .exclude(Exists(unsettled))
        .select_related("organization")
    )
    if report.dry_run:
        for pledge in pledges:
            report.add(PLEDGES_COMPLETED, f"{pledge.organization}: pledge completed")
        return

    def complete(pledge: Pledge) -> None:
        pledge_complete(pledge=pledge, reason="every installment paid")
        report.add(PLEDGES_COMPLETED, f"{pledge.organization}: pledge completed")

    _each(report, "pledge", pledges, complete)
