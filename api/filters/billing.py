from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from api.filters.staff_base import IdFilter, StaffFilterSet
from billing.models import Invoice, Payment, Refund


def _overdue() -> Q:
    """Open and past its due date: the same rule as Invoice.is_overdue."""
    return Q(status=Invoice.Status.OPEN, due_date__lt=timezone.localdate())


# distinct=False on every multiple choice here: none crosses a to-many relation (a refund's
# payment is one row), and django-filter's default SELECT DISTINCT sorts every filtered row.


class InvoiceFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        distinct=False, choices=Invoice.Status.choices, label="Repeat for several."
    )
    kind = filters.MultipleChoiceFilter(
        choices=Invoice.Kind.choices, distinct=False, label="Repeat for several."
    )
    number = filters.CharFilter(lookup_expr="iexact", label="The invoice number (2026-00042).")
    overdue = filters.BooleanFilter(
        method="filter_overdue", label="Open and past its due date (or not)."
    )
    issued_after = filters.DateFilter(
        field_name="issue_date", lookup_expr="gte", label="Issued on or after."
    )
    issued_before = filters.DateFilter(
        field_name="issue_date", lookup_expr="lte", label="Issued on or before."
    )
    due_after = filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due on or after."
    )
    due_before = filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due on or before."
    )

    class Meta:
        model = Invoice
        fields = ["organization", "contact"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(_overdue()) if value else queryset.exclude(_overdue())


class PaymentFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        distinct=False, choices=Payment.Status.choices, label="Repeat for several."
    )
    method = filters.MultipleChoiceFilter(
        distinct=False, choices=Payment.Method.choices, label="Repeat for several."
    )
    organization = IdFilter(field_name="invoice__organization", label="Paid by (id).")
    received_after = filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label="Received on or after."
    )
    received_before = filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label="Received on or before."
    )

    class Meta:
        model = Payment
        fields = ["invoice", "check_number"]


class RefundFilter(StaffFilterSet):
    status = filters.MultipleChoiceFilter(
        distinct=False, choices=Refund.Status.choices, label="Repeat for several."
    )
    method = filters.MultipleChoiceFilter(
        distinct=False,
        field_name="payment__method",
        choices=Payment.Method.choices,
        label="How the refunded payment was made (repeat for several).",
    )
    invoice = IdFilter(field_name="payment__invoice", label="Of a payment on (id).")
    organization = IdFilter(field_name="payment__invoice__organization", label="Paid back to (id).")

    class Meta:
        model = Refund
        fields = ["payment"]
