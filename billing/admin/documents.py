"""The documents in the admin: an invoice's PDF, a payment's receipt (and the foundation's
acknowledgement), an organization's annual dues statement. Whoever may view invoices may
download them. Mixins, so the admin classes only name them."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join

from billing import documents
from billing.models import Invoice, Payment
from billing.statements import statement_of_account
from crm.models import DuesDeductibility, Organization

VIEW_INVOICES = "billing.view_invoice"


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type=documents.PDF)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _may_view_invoices(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_INVOICES):
        raise PermissionDenied


def _refused(request: HttpRequest, exc: documents.DocumentUnavailable, back: str) -> HttpResponse:
    messages.error(request, exc.message)
    return HttpResponseRedirect(back)


class InvoiceDocumentsMixin:
    """On the invoice page: the invoice as PDF and a receipt for each payment received."""

    admin_site: admin.AdminSite

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.invoice_pdf_view)
        return [
            path("<int:pk>/pdf/", view, name="billing_invoice_pdf"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list:
        fields = list(super().get_fields(request, obj))  # type: ignore[misc]
        return [*fields, "documents"] if obj is not None else fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        return [*super().get_readonly_fields(request, obj), "documents"]  # type: ignore[misc]

    @admin.display(description="documents (PDF)")
    def documents(self, obj: Invoice) -> str:
        if obj.pk is None or obj.status == Invoice.Status.DRAFT:
            return "Issue the invoice to print it."
        links = [(reverse("admin:billing_invoice_pdf", args=[obj.pk]), f"Invoice {obj.number}")]
        for payment in obj.payments.filter(status=Payment.Status.SUCCEEDED).order_by("pk"):
            links.append(
                (
                    reverse("admin:billing_payment_receipt", args=[payment.pk]),
                    f"Receipt for {payment}",
                )
            )
            if obj.kind == Invoice.Kind.PLEDGE:
                links.append(
                    (
                        reverse("admin:billing_payment_acknowledgement", args=[payment.pk]),
                        "Donor acknowledgement",
                    )
                )
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def invoice_pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _may_view_invoices(request)
        invoice = get_object_or_404(Invoice, pk=pk)
        back = reverse("admin:billing_invoice_change", args=[pk])
        try:
            pdf = documents.invoice_pdf(invoice=invoice)
        except documents.DocumentUnavailable as exc:
            return _refused(request, exc, back)
        return _pdf(pdf, f"invoice-{invoice.number}.pdf")


class PaymentDocumentsMixin:
    """A payment's receipt and, for a gift through the foundation, the acknowledgement."""

    admin_site: admin.AdminSite

    def get_urls(self) -> list:
        receipt = self.admin_site.admin_view(self.receipt_view)
        acknowledgement = self.admin_site.admin_view(self.acknowledgement_view)
        return [
            path("<int:pk>/receipt/", receipt, name="billing_payment_receipt"),
            path(
                "<int:pk>/acknowledgement/",
                acknowledgement,
                name="billing_payment_acknowledgement",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def _document(self, request: HttpRequest, pk: int, render: Any, name: str) -> HttpResponse:
        _may_view_invoices(request)
        payment = get_object_or_404(Payment, pk=pk)
        back = reverse("admin:billing_invoice_change", args=[payment.invoice_id])
        try:
            pdf = render(payment=payment)
        except documents.DocumentUnavailable as exc:
            return _refused(request, exc, back)
        return _pdf(pdf, f"{name}-{payment.pk}.pdf")

    def receipt_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._document(request, pk, documents.receipt_pdf, "receipt")

    def acknowledgement_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._document(request, pk, documents.acknowledgement_pdf, "acknowledgement")


class DuesStatementMixin:
    """On the organization page: its statement of account (a page and the PDF the portal
    prints too) and its annual dues statement for each year with a setting."""

    admin_site: admin.AdminSite

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.dues_statement_view)
        statement = self.admin_site.admin_view(self.statement_view)
        statement_pdf = self.admin_site.admin_view(self.statement_pdf_view)
        return [
            path("<int:pk>/dues-statement/", view, name="crm_organization_dues_statement"),
            path("<int:pk>/statement/", statement, name="crm_organization_statement"),
            path("<int:pk>/statement/pdf/", statement_pdf, name="crm_organization_statement_pdf"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = list(super().get_fieldsets(request, obj))  # type: ignore[misc]
        if obj is None or not request.user.has_perm(VIEW_INVOICES):
            return fieldsets
        fields = ["statement_of_account", "dues_statements"]
        return [*fieldsets, ("Statements", {"fields": fields})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        fields = super().get_readonly_fields(request, obj)  # type: ignore[misc]
        return [*fields, "statement_of_account", "dues_statements"]

    @admin.display(description="statement of account")
    def statement_of_account(self, obj: Organization) -> str:
        links = [
            (reverse("admin:crm_organization_statement", args=[obj.pk]), "Statement of account"),
            (reverse("admin:crm_organization_statement_pdf", args=[obj.pk]), "PDF"),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def _organization_for_statement(self, request: HttpRequest, pk: int) -> Organization:
        _may_view_invoices(request)
        if not request.user.has_perm("crm.view_organization"):
            raise PermissionDenied
        return get_object_or_404(Organization, pk=pk)

    def statement_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Invoices, payments, credits, refunds and disputes with a running balance."""
        organization = self._organization_for_statement(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Statement of account: {organization}",
            "opts": Organization._meta,
            "organization": organization,
            "statement": statement_of_account(organization),
        }
        return TemplateResponse(request, "admin/billing/statement.html", context)

    def statement_pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        organization = self._organization_for_statement(request, pk)
        pdf = documents.statement_pdf(organization=organization)
        return _pdf(pdf, f"statement-{organization.pk}-{timezone.localdate():%Y-%m-%d}.pdf")

    @admin.display(description="annual dues statements (PDF)")
    def dues_statements(self, obj: Organization) -> str:
        years = list(
            DuesDeductibility.objects.filter(year__lte=timezone.localdate().year)
            .order_by("-year")
            .values_list("year", flat=True)[:5]
        )
        if not years:
            return "Set the non-deductible share of a year (Dues deductibility notices) first."
        url = reverse("admin:crm_organization_dues_statement", args=[obj.pk])
        return format_html_join(
            " · ", '<a href="{}?year={}">{}</a>', ((url, year, year) for year in years)
        )

    def dues_statement_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        organization = self._organization_for_statement(request, pk)
        back = reverse("admin:crm_organization_change", args=[pk])
        try:
            year = int(request.GET.get("year") or timezone.localdate().year - 1)
        except ValueError:
            messages.error(request, "Give the year as a number, e.g. ?year=2026.")
            return HttpResponseRedirect(back)
        try:
            pdf = documents.annual_statement_pdf(organization=organization, year=year)
        except documents.DocumentUnavailable as exc:
            return _refused(request, exc, back)
        return _pdf(pdf, f"dues-statement-{year}-{organization.pk}.pdf")
