"""Organizations' credit balances in the admin: the ledger of every movement (read-only), shown
on its own page and on the organization and the invoice, and the two things finance does with a
balance: refund it, or apply it to the organization's open invoices."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from billing import services
from billing.admin.common import MoneyDisplayMixin
from billing.models import CreditEntry
from billing.money import format_usd
from core.admin.actions import ActionPage, FormAction, run_service_action
from core.exceptions import ServiceError

CREDIT_FIELDS = ("created", "kind", "amount", "invoice", "payment", "refund", "memo")


class CreditEntryInline(MoneyDisplayMixin, admin.TabularInline):
    """The credit ledger rows of an organization or an invoice."""

    model = CreditEntry
    fk_name = "organization"
    extra = 0
    fields = CREDIT_FIELDS
    readonly_fields = CREDIT_FIELDS
    verbose_name_plural = "credit balance (money received over what was invoiced)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Each row is named by its str() (its organization) and shows its invoice (named with
        # its organization), its payment and its refund (named with its payment).
        return (
            super()
            .get_queryset(request)
            .select_related("organization", "invoice__organization", "payment", "refund__payment")
        )


class InvoiceCreditEntryInline(CreditEntryInline):
    fk_name = "invoice"
    verbose_name_plural = "credit balance movements of this invoice"


def _once_per_organization(call: Any) -> Any:
    """Selected ledger rows stand for their organizations: act on each organization once."""
    seen: set[int] = set()

    def run(entry: CreditEntry, *args: Any) -> Any:
        if entry.organization_id in seen:
            return None
        seen.add(entry.organization_id)
        return call(entry.organization, *args)

    return run


@admin.register(CreditEntry)
class CreditEntryAdmin(MoneyDisplayMixin, admin.ModelAdmin):
    list_display = ["created", "organization", "kind", "amount", "invoice", "balance"]
    list_filter = ["kind", "created"]
    search_fields = ["organization__name", "invoice__number"]
    list_select_related = ["organization", "invoice"]
    actions = ["refund_balance", "apply_balance"]
    fields = ("organization",) + CREDIT_FIELDS + ("created_by",)
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # rows are written by the payment, refund and credit services

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_refund_balance_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.refund_credit")

    def has_apply_balance_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.apply_credit")

    @admin.display(description="organization's balance now")
    def balance(self, obj: CreditEntry) -> str:
        return format_usd(services.credit_balance(obj.organization_id))

    refund_balance = FormAction(
        "Refund the credit balance of the selected organizations…",
        page=ActionPage(
            "Refund credit balances",
            "Refund these organizations' whole credit balance to the payments that brought it "
            "in (through Stripe, or recorded as a check mailed back)?",
            "Refund",
        ),
        call=lambda organization, by, reason: services.credit_refund(
            organization=organization, reason=reason, by=by
        ),
        done="credit balance(s) refunded",
        permissions=("refund_balance",),
        per_run=_once_per_organization,
    )

    @admin.action(
        description="Apply the credit balance to the organizations' open invoices",
        permissions=["apply_balance"],
    )
    def apply_balance(self, request: HttpRequest, queryset: QuerySet) -> None:
        def apply(organization: Any) -> None:
            payments = services.credit_apply_to_open_invoices(
                organization=organization, by=request.user
            )
            if not payments:
                raise ServiceError("Nothing applied.")

        run_service_action(
            self,
            request,
            queryset,
            call=_once_per_organization(apply),
            done="credit balance(s) applied",
        )
