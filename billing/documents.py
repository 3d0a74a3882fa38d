"""The chamber's documents as PDF: invoices, payment receipts, annual dues statements and the
written acknowledgement of a gift to the charitable foundation.

Each is an HTML template under templates/documents/ (one base with the print CSS) rendered with
WeasyPrint. The PDF fetches nothing: every resource a document needs is in its template, and
WeasyPrint's fetcher refuses any URL, so text typed on the website cannot make the server fetch
one. The dues deductibility notice (IRC 6033(e)) is worked out here, from the dues lines only.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, Payment, Refund
from billing.money import ZERO, format_usd, money
from billing.statements import statement_of_account
from core.exceptions import ServiceError
from crm.models import DuesDeductibility, Organization

PDF = "application/pdf"
NOT_SET = "not set"


class DocumentUnavailable(ServiceError):
    """The document does not exist for this record (a receipt of a failed payment...)."""


def _refuse_urls(url: str, *args: Any, **kwargs: Any) -> dict:
    raise ValueError(f"documents fetch nothing ({url[:60]})")


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported on first use: it loads Pango

    html = render_to_string(f"documents/{template}.html", {**chamber_context(), **context})
    return HTML(string=html, url_fetcher=_refuse_urls).write_pdf()


def chamber_context() -> dict[str, Any]:
    return {
        "chamber_name": settings.CHAMBER_NAME,
        "chamber_address": settings.CHAMBER_ADDRESS,
        "chamber_email": parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        "generated_on": timezone.localdate(),
    }


# --- the dues deductibility notice --------------------------------------------------------------


def dues_amount(lines: list[InvoiceLine]) -> Decimal:
    """The dues on an invoice: its membership lines (proration credits included), no fees."""
    return sum((line.amount for line in lines if line.kind == InvoiceLine.Kind.MEMBERSHIP), ZERO)


def invoice_year(invoice: Invoice) -> int:
    return (invoice.issue_date or timezone.localdate()).year


def deductibility_annotations() -> dict[str, Any]:
    """This year's setting as annotations of another query (for keep_deductibility())."""
    this_year = DuesDeductibility.objects.filter(year=timezone.localdate().year)
    return {
        "deductibility_percent": Subquery(this_year.values("non_deductible_percent")[:1]),
        "deductibility_wording": Subquery(this_year.values("wording")[:1]),
    }


def keep_deductibility(invoice: Invoice, annotated: Any) -> None:
    """Hand `invoice` the setting read with deductibility_annotations() (on its plan, say), so
    dues_notice() needs no query of its own for an invoice of this year (its first mail)."""
    if not hasattr(annotated, "deductibility_percent"):
        return
    percent = annotated.deductibility_percent
    year = timezone.localdate().year
    setting = None
    if percent is not None:
        setting = DuesDeductibility(
            year=year,
            non_deductible_percent=percent,
            wording=annotated.deductibility_wording,  # type: ignore[attr-defined]
        )
    invoice._deductibility = (year, setting)  # type: ignore[attr-defined]


def deductibility_for(year: int) -> DuesDeductibility | None:
    """The year's setting, kept in the cache (every issued dues invoice and its mail ask for it;
    a save or delete of a setting clears it: crm.models.dues)."""
    key = DuesDeductibility.cache_key(year)
    found = cache.get(key)
    if found is None:
        found = DuesDeductibility.objects.filter(year=year).first() or NOT_SET
        cache.set(key, found, timeout=300)
    return None if found == NOT_SET else found


@dataclass(frozen=True)
class DuesNotice:
    year: int
    percent: Decimal
    dues: Decimal
    amount: Decimal
    text: str


def dues_notice(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> DuesNotice | None:
    """The IRC 6033(e) notice for a dues invoice, with the percentage set for the year it was
    issued and the dollar amount of its dues lines; None for other invoices or without a
    setting for the year."""
    if invoice.kind != Invoice.Kind.DUES:
        return None
    lines = list(invoice.lines.all()) if lines is None else lines
    dues = dues_amount(lines)
    if dues <= ZERO:
        return None
    year = invoice_year(invoice)
    known = getattr(invoice, "_deductibility", None)
    setting = known[1] if known is not None and known[0] == year else deductibility_for(year)
    if setting is None:
        return None
    return DuesNotice(
        year=setting.year,
        percent=setting.non_deductible_percent,
        dues=dues,
        amount=setting.non_deductible_amount(dues),
        text=setting.notice(dues),
    )


# --- invoices and receipts ----------------------------------------------------------------------


def _invoice_for_document(pk: int) -> Invoice:
    return (
        Invoice.objects.select_related("organization", "contact")
        .prefetch_related("lines")
        .get(pk=pk)
    )


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The invoice as the payer sees it: lines, total, what is paid and still due, how to pay
    (the Stripe page or, without Stripe, the payment instructions), the dues notice."""
    invoice = _invoice_for_document(invoice.pk)
    if invoice.status == Invoice.Status.DRAFT:
        raise DocumentUnavailable("A draft has no number yet: issue it before printing it.")
    lines = list(invoice.lines.all())
    return render_pdf(
        "invoice",
        {
            "invoice": invoice,
            "organization": invoice.organization,
            "contact": invoice.contact,
            "lines": lines,
            "amount_paid": invoice.amount_paid,
            "amount_refunded": invoice.amount_refunded,
            "amount_due": invoice.amount_due,
            "pay_url": invoice.pay_url,
            "payment_instructions": invoice.payment_instructions,
            "notice": dues_notice(invoice, lines),
        },
    )


def receipt_pdf(*, payment: Payment) -> bytes:
    """A receipt for one succeeded payment, online or recorded by hand: the amount actually
    received, the invoice's total, everything paid on it so far and what is still due."""
    payment = Payment.objects.select_related("invoice").get(pk=payment.pk)
    if payment.status != Payment.Status.SUCCEEDED:
        raise DocumentUnavailable(
            f"A {payment.get_status_display().lower()} payment has no receipt: only money "
            "received does."
        )
    invoice = _invoice_for_document(payment.invoice_id)
    lines = list(invoice.lines.all())
    return render_pdf(
        "receipt",
        {
            "payment": payment,
            "invoice": invoice,
            "organization": invoice.organization,
            "contact": invoice.contact,
            "lines": lines,
            "payment_refunded": payment.amount_refunded,
            "amount_paid": invoice.amount_paid,
            "amount_due": invoice.amount_due,
            "notice": dues_notice(invoice, lines),
            "acknowledgement": donor_acknowledgement(invoice=invoice, payment=payment),
        },
    )


# --- the annual dues statement ------------------------------------------------------------------


@dataclass
class StatementRow:
    received_on: date
    invoice_number: str
    method: str
    amount: Decimal
    dues: Decimal
    refunded: Decimal

    @property
    def net_dues(self) -> Decimal:
        return self.dues - self.refunded


@dataclass
class AnnualStatement:
    organization: Organization
    year: int
    setting: DuesDeductibility
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def dues_paid(self) -> Decimal:
        return sum((row.net_dues for row in self.rows), ZERO)

    @property
    def non_deductible(self) -> Decimal:
        return self.setting.non_deductible_amount(self.dues_paid)

    @property
    def notice(self) -> str:
        return self.setting.notice(self.dues_paid)


def _dues_share(amount: Decimal, invoice: Invoice) -> Decimal:
    """The part of a payment that paid dues: all of it when the invoice is only dues, else in
    proportion to the dues lines (a reinstatement fee is no dues)."""
    lines = list(invoice.lines.all())
    dues = dues_amount(lines)
    if invoice.total <= ZERO or dues >= invoice.total:
        return amount
    return money(amount * dues / invoice.total)


def _payments_in(year: int) -> Q:
    return Q(received_on__year=year) | Q(received_on__isnull=True, created__year=year)


def annual_statement(*, organization: Organization, year: int) -> AnnualStatement:
    """The dues an organization paid in a calendar year (payments received that year, less what
    was refunded of them) and the non-deductible share set for that year."""
    setting = deductibility_for(year)
    if setting is None:
        raise DocumentUnavailable(
            f"No non-deductible share is set for {year}: add it under Dues deductibility "
            "notices first."
        )
    payments = (
        Payment.objects.filter(
            _payments_in(year),
            invoice__organization=organization,
            invoice__kind=Invoice.Kind.DUES,
            status=Payment.Status.SUCCEEDED,
        )
        .select_related("invoice")
        .prefetch_related(
            "invoice__lines",
            Prefetch(
                "refunds",
                queryset=Refund.objects.filter(status__in=Refund.COUNTED_STATUSES),
                to_attr="counted_refunds",
            ),
        )
        .order_by("received_on", "pk")
    )
    statement = AnnualStatement(organization=organization, year=year, setting=setting)
    for payment in payments:
        refunded = sum((r.amount for r in payment.counted_refunds), ZERO)  # type: ignore[attr-defined]
        statement.rows.append(
            StatementRow(
                received_on=payment.received_on or timezone.localdate(payment.created),
                invoice_number=payment.invoice.number or "",
                method=payment.get_method_display(),
                amount=payment.amount,
                dues=_dues_share(payment.amount, payment.invoice),
                refunded=_dues_share(refunded, payment.invoice),
            )
        )
    return statement


def annual_statement_pdf(*, organization: Organization, year: int) -> bytes:
    statement = annual_statement(organization=organization, year=year)
    return render_pdf(
        "annual_statement",
        {"statement": statement, "organization": organization, "year": year},
    )


def statement_pdf(*, organization: Organization) -> bytes:
    """The statement of account (billing.statements) as the portal and the admin print it."""
    statement = statement_of_account(organization)
    return render_pdf("statement", {"statement": statement, "organization": organization})


def organizations_with_dues_paid(year: int) -> Any:
    """The organizations that paid dues in `year` (for the year's batch of statements)."""
    return (
        Organization.objects.filter(
            pk__in=Payment.objects.filter(
                _payments_in(year),
                invoice__kind=Invoice.Kind.DUES,
                status=Payment.Status.SUCCEEDED,
            ).values("invoice__organization_id")
        )
        .order_by("name", "pk")
        .distinct()
    )


# --- the foundation's written acknowledgement ---------------------------------------------------


@dataclass(frozen=True)
class Acknowledgement:
    """What a donor needs to deduct a gift (IRC 170(f)(8)): the amount, the date, and the value
    of goods or services received in return (or that none were)."""

    foundation: str
    donor: str
    amount: Decimal
    received_on: date
    benefits_value: Decimal
    level: str

    @property
    def deductible(self) -> Decimal:
        return max(self.amount - self.benefits_value, ZERO)

    @property
    def text(self) -> str:
        given = (
            f"{self.foundation} acknowledges with thanks the contribution of "
            f"{format_usd(self.amount)} from {self.donor} received on "
            f"{self.received_on:%B %-d, %Y} ({self.level} investment)."
        )
        if self.benefits_value <= ZERO:
            return f"{given} No goods or services were provided in exchange for this contribution."
        return (
            f"{given} In exchange, goods and services with an estimated fair market value of "
            f"{format_usd(self.benefits_value)} were provided; the amount deductible as a "
            f"charitable contribution is limited to {format_usd(self.deductible)}."
        )


def donor_acknowledgement(*, invoice: Invoice, payment: Payment) -> Acknowledgement | None:
    """The acknowledgement of a pledge installment paid at a level given through the charitable
    foundation; None otherwise. The level's yearly benefits value is shared among the year's
    installments in proportion to their amounts."""
    if invoice.kind != Invoice.Kind.PLEDGE or payment.status != Payment.Status.SUCCEEDED:
        return None
    lines = [
        line
        for line in InvoiceLine.objects.filter(
            invoice=invoice, kind=InvoiceLine.Kind.PLEDGE_INSTALLMENT
        ).select_related("pledge_installment__pledge__level")
    ]
    gifts = [line for line in lines if line.pledge_installment.pledge.level.through_foundation]  # type: ignore[union-attr]
    if not gifts:
        return None
    gift_total = sum((line.amount for line in gifts), ZERO)
    benefits_total = ZERO
    for line in gifts:
        pledge = line.pledge_installment.pledge  # type: ignore[union-attr]
        if pledge.annual_amount > ZERO:
            benefits_total += pledge.level.benefits_value * line.amount / pledge.annual_amount
    # A payment of part of the invoice is acknowledged for its part.
    part = min(payment.amount / invoice.total, Decimal(1)) if invoice.total > ZERO else Decimal(1)
    amount = money(gift_total * part)
    benefits = min(money(min(benefits_total, gift_total) * part), amount)
    level = gifts[0].pledge_installment.pledge.level  # type: ignore[union-attr]
    return Acknowledgement(
        foundation=settings.FOUNDATION_NAME,
        donor=invoice.organization.name,
        amount=amount,
        received_on=payment.received_on or timezone.localdate(payment.created),
        benefits_value=benefits,
        level=level.name,
    )


def acknowledgement_pdf(*, payment: Payment) -> bytes:
    payment = Payment.objects.select_related("invoice__organization").get(pk=payment.pk)
    acknowledgement = donor_acknowledgement(invoice=payment.invoice, payment=payment)
    if acknowledgement is None:
        raise DocumentUnavailable(
            "Only a payment received for an investment through the charitable foundation has "
            "a donor acknowledgement."
        )
    return render_pdf(
        "acknowledgement",
        {
            "acknowledgement": acknowledgement,
            "payment": payment,
            "invoice": payment.invoice,
            "organization": payment.invoice.organization,
        },
    )


def mail_donor_acknowledgement(invoice: Invoice, payment: Payment) -> bool:
    """Mail the written acknowledgement when a foundation installment is paid (with the
    receipt): the mail carries its full text."""
    from billing.services.common import invoice_recipients
    from core.mail import send_templated

    acknowledgement = donor_acknowledgement(invoice=invoice, payment=payment)
    if acknowledgement is None:
        return False
    return send_templated(
        to=invoice_recipients(invoice),
        template="donor_acknowledgement",
        subject=f"Acknowledgement of your contribution to the {acknowledgement.foundation}",
        context={
            "acknowledgement": acknowledgement,
            "invoice": invoice,
            "organization": invoice.organization,
            "contact": invoice.contact,
            "payment": payment,
        },
        reason=f"donor acknowledgement of payment {payment.pk} (invoice {invoice.number})",
        invoice=invoice,
        contact=invoice.contact,
    )
