"""An organization's pages for what it owes and has paid: the membership at a glance, invoices,
PDFs of invoices, receipts and the annual dues statement, the statement of account."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing import documents
from billing.statements import statement_of_account
from crm.models import Affiliation
from crm.selectors.benefits import organization_benefits_of
from portal import selectors
from portal.permissions import Can, may
from portal.views.base import (
    org_context,
    organization_page,
    render_page,
)


@require_GET
@organization_page(Can.VIEW)
def organization(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    context = org_context(affiliation, "glance")
    context["glance"] = selectors.glance(affiliation.organization, with_money=context["may_bill"])
    if may(affiliation, Can.RENEW_PLEDGE):
        context["renewal_proposals"] = selectors.renewal_proposals_of(affiliation.organization)
    context["benefits"] = organization_benefits_of(
        affiliation.organization, today=timezone.localdate()
    )
    return render_page(request, "organization", context)


@require_GET
@organization_page(Can.BILLING)
def invoices(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    context = org_context(affiliation, "invoices")
    context["invoices"] = selectors.invoices_of(affiliation.organization)
    return render_page(request, "invoices", context)


def _document(
    request: HttpRequest,
    affiliation: Affiliation,
    record: Any,
    render: Callable[[], bytes],
    filename: str,
    back: str = "portal:invoices",
) -> HttpResponse:
    """The PDF of `record` (None: another organization's or a missing one, 404), or the page
    `back` with the reason there is none (a receipt of a failed payment...)."""
    if record is None:
        raise Http404
    try:
        pdf = render()
    except documents.DocumentUnavailable as exc:
        messages.error(request, exc.message)
        return redirect(back, organization_id=affiliation.organization_id)
    response = HttpResponse(pdf, content_type=documents.PDF)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _pdf_view(
    find: Callable[[Any, int], Any], make: Callable[[Any], bytes], filename: Callable[[Any], str]
) -> Callable[..., HttpResponse]:
    """A billing contact's download of one of the organization's records as a PDF: `find`
    looks it up within the organization (None: a 404), `make` renders it."""

    @require_GET
    @organization_page(Can.BILLING)
    def view(request: HttpRequest, affiliation: Affiliation, pk: int) -> HttpResponse:
        record = find(affiliation.organization, pk)
        return _document(
            request, affiliation, record, lambda: make(record), filename(record) if record else ""
        )

    return view


invoice_pdf = _pdf_view(
    selectors.invoice_of,
    lambda invoice: documents.invoice_pdf(invoice=invoice),
    lambda invoice: f"invoice-{invoice.number}.pdf",
)
receipt_pdf = _pdf_view(
    selectors.payment_of,
    lambda payment: documents.receipt_pdf(payment=payment),
    lambda payment: f"receipt-{payment.pk}.pdf",
)


@require_GET
@organization_page(Can.BILLING)
def statement(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    context = org_context(affiliation, "statement")
    context["statement"] = statement_of_account(affiliation.organization)
    return render_page(request, "statement", context)


@require_GET
@organization_page(Can.BILLING)
def statement_pdf(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    organization = affiliation.organization
    return _document(
        request,
        affiliation,
        organization,
        lambda: documents.statement_pdf(organization=organization),
        f"statement-{timezone.localdate():%Y-%m-%d}.pdf",
        back="portal:statement",
    )


@require_GET
@organization_page(Can.BILLING)
def dues_statement_pdf(request: HttpRequest, affiliation: Affiliation, year: int) -> HttpResponse:
    organization = affiliation.organization
    return _document(
        request,
        affiliation,
        organization,
        lambda: documents.annual_statement_pdf(organization=organization, year=year),
        f"dues-statement-{year}.pdf",
        back="portal:statement",
    )
