"""Payouts and bank deposits explained transaction by transaction, and the journal batches
exported to the books."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from billing import finance_views, selectors, services
from billing.admin.common import MoneyDisplayMixin, ReadOnlyMixin
from billing.gateways import GatewayError
from billing.models import (
    BalanceTransaction,
    BankDeposit,
    JournalBatch,
    JournalLine,
    JournalPeriodLock,
    Payout,
)
from billing.money import format_usd
from core.admin.actions import run_service_action
from core.admin.history import HistoryAdmin
from core.exceptions import ServiceError


class JournalThroughForm(forms.Form):
    date_to = forms.DateField(label="Export through", help_text="YYYY-MM-DD: today at the latest.")


class PeriodLockForm(forms.Form):
    month = forms.DateField(help_text="Any day of the month to lock (YYYY-MM-DD).")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


def _closed_through_sentence() -> str:
    closed = selectors.journal_closed_through()
    if closed is None:
        return "No month is locked or exported yet."
    return (
        f"The books are closed through {closed:%B} {closed.day}, {closed.year}: what is dated "
        f"earlier and not exported yet is dated on the day after."
    )


def _export_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, **chosen: Any
) -> HttpResponse | None:
    try:
        batch = services.journal_export(by=request.user, **chosen)
    except ServiceError as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        return None
    modeladmin.message_user(
        request,
        f"Exported as journal batch {batch.number} ({format_usd(batch.total_debits)} debits "
        f"and credits): download it from the batch.",
        messages.SUCCESS,
    )
    return HttpResponseRedirect(reverse("admin:billing_journalbatch_change", args=[batch.pk]))


class ReconciledAdmin(MoneyDisplayMixin, ReadOnlyMixin, HistoryAdmin):
    """The admin of money that reached the bank (a payout, a deposit): its change page is its
    reconciliation page (`reconciliation_view`, in billing.finance_views), and its list says
    whether finance reviewed it and in which journal batch it was exported. Its actions mark the
    selected ones reviewed (`review_service`) and export them to the journal; `kind` is what
    the services call one (payout=..., payouts=...)."""

    reconciliation_view: Callable[[HttpRequest, int], HttpResponse]
    review_service: Callable[..., Any]
    kind: str

    def _reconciliation_url(self) -> str:
        return f"billing_{self.model._meta.model_name}_reconciliation"

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.reconciliation_view)
        return [
            path("<int:pk>/reconciliation/", view, name=self._reconciliation_url()),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any):
        return HttpResponseRedirect(
            reverse(f"admin:{self._reconciliation_url()}", args=[object_id])
        )

    @admin.display(description="reviewed", boolean=True)
    def reviewed(self, obj: Payout | BankDeposit) -> bool:
        return obj.reviewed_at is not None

    @admin.display(description="journal batch")
    def exported(self, obj: Payout | BankDeposit) -> str:
        return str(obj.journal_batch.number) if obj.journal_batch else ""

    @admin.display(description="")
    def reconciliation_link(self, obj: Payout | BankDeposit) -> str:
        url = reverse(f"admin:{self._reconciliation_url()}", args=[obj.pk])
        return format_html('<a href="{}">Reconciliation</a>', url)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.add_journalbatch")

    def review_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset,
            call=lambda obj: self.review_service(**{self.kind: obj}, by=request.user),
            done=f"{self.kind}(s) marked reviewed",
        )

    def export_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _export_selected(self, request, **{f"{self.kind}s": list(queryset)})


@admin.register(Payout)
class PayoutAdmin(ReconciledAdmin):
    reconciliation_view = staticmethod(finance_views.payout_reconciliation)
    list_display = [
        "stripe_payout_id",
        "arrival_date",
        "status",
        "amount",
        "open_exceptions",
        "reviewed",
        "exported",
        "reconciliation_link",
    ]
    list_filter = ["status", "arrival_date"]
    search_fields = ["stripe_payout_id", "transactions__source_id"]
    date_hierarchy = "arrival_date"
    list_select_related = ["journal_batch"]
    actions = ["reconcile_again", "mark_reviewed", "export"]
    review_service = staticmethod(services.payout_review)
    kind = "payout"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                exceptions_open=Count(
                    "transactions",
                    filter=Q(
                        transactions__match__in=BalanceTransaction.EXCEPTIONS,
                        transactions__resolved_at__isnull=True,
                    ),
                )
            )
        )

    @admin.display(description="open exceptions", ordering="exceptions_open")
    def open_exceptions(self, obj: Payout) -> int:
        return obj.exceptions_open  # type: ignore[attr-defined]

    def has_reconcile_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.change_payout")

    @admin.action(description="Read selected payouts from Stripe again", permissions=["reconcile"])
    def reconcile_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        for payout in queryset:
            try:
                outcomes = services.payout_refresh(payout_id=payout.stripe_payout_id)
            except (ServiceError, GatewayError) as exc:
                self.message_user(request, f"{payout}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, " ".join(outcomes), messages.INFO)

    @admin.action(description="Mark selected payouts reviewed", permissions=["reconcile"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.review_selected(request, queryset)

    @admin.action(description="Export selected payouts to the journal", permissions=["export"])
    def export(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.export_selected(request, queryset)


@admin.register(BankDeposit)
class BankDepositAdmin(ReconciledAdmin):
    reconciliation_view = staticmethod(finance_views.deposit_reconciliation)
    list_display = [
        "deposited_on",
        "reference",
        "total",
        "reviewed",
        "exported",
        "reconciliation_link",
    ]
    list_filter = ["deposited_on"]
    search_fields = ["reference", "memo", "items__payment__check_number"]
    date_hierarchy = "deposited_on"
    list_select_related = ["journal_batch"]
    actions = ["mark_reviewed", "export"]
    review_service = staticmethod(services.deposit_review)
    kind = "deposit"

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.change_bankdeposit")

    @admin.action(description="Mark selected deposits reviewed", permissions=["review"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.review_selected(request, queryset)

    @admin.action(description="Export selected deposits to the journal", permissions=["export"])
    def export(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.export_selected(request, queryset)


class JournalLineInline(MoneyDisplayMixin, ReadOnlyMixin, admin.TabularInline):
    model = JournalLine
    extra = 0
    fields = ("entry_number", "entry_date", "account", "debit", "credit", "description", "name")
    readonly_fields = fields


@admin.register(JournalBatch)
class JournalBatchAdmin(MoneyDisplayMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "date_from",
        "date_to",
        "total_debits",
        "total_credits",
        "created_at",
        "created_by",
        "downloads",
    ]
    readonly_fields = (
        "number",
        "date_from",
        "date_to",
        "total_debits",
        "total_credits",
        "created_at",
        "created_by",
        "downloads",
    )
    fields = list(readonly_fields)
    inlines = [JournalLineInline]
    list_select_related = ["created_by"]

    def get_urls(self) -> list:
        return [
            path(
                "<int:pk>/<str:fmt>.csv",
                self.admin_site.admin_view(finance_views.journal_download),
                name="billing_journalbatch_download",
            ),
            *super().get_urls(),
        ]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="download")
    def downloads(self, obj: JournalBatch) -> str:
        if obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">QuickBooks Online CSV</a> · <a href="{}">generic CSV</a>',
            reverse("admin:billing_journalbatch_download", args=[obj.pk, "qbo"]),
            reverse("admin:billing_journalbatch_download", args=[obj.pk, "generic"]),
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None):
        """Adding a batch is exporting what is not exported yet, through a day."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = JournalThroughForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            response = _export_selected(self, request, **form.cleaned_data)
            if response is not None:
                return response
        return TemplateResponse(
            request,
            "admin/action_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": "Export journal entries",
                "prompt": "Export everything not exported yet, up to this day: deposited "
                "payouts, bank deposits, refunds of offline payments, payouts that failed after "
                "their export, and the revenue recognised in the months that ended. "
                + _closed_through_sentence(),
                "submit_label": "Export",
                "queryset": [],
                "form": form,
                "action": "",
                "opts": self.model._meta,
            },
        )


@admin.register(JournalPeriodLock)
class JournalPeriodLockAdmin(admin.ModelAdmin):
    """Finance closes the books month by month; a lock is final (no change, no delete)."""

    list_display = ["month_locked", "reason", "locked_by", "locked_at"]
    list_select_related = ["locked_by"]
    readonly_fields = ("month", "reason", "locked_by", "locked_at")
    fields = list(readonly_fields)

    @admin.display(description="month", ordering="month")
    def month_locked(self, obj: JournalPeriodLock) -> str:
        return f"{obj.month:%B %Y}"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None):
        """Adding a lock closes the books through the month's end."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PeriodLockForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                lock = services.journal_period_lock(by=request.user, **form.cleaned_data)
            except ServiceError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{lock}: nothing can be dated in it or before it any more.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:billing_journalperiodlock_changelist"))
        return TemplateResponse(
            request,
            "admin/action_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": "Lock a month",
                "prompt": "Close the books through the end of a month that has ended: no "
                "journal entry is dated in it or before it any more, and what arrives late "
                "goes into the next export, dated on the first open day. A lock is final. "
                + _closed_through_sentence(),
                "submit_label": "Lock",
                "queryset": [],
                "form": form,
                "action": "",
                "opts": self.model._meta,
            },
        )
