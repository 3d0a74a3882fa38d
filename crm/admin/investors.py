"""Investor levels, pledges and their installments."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from billing.admin.common import MoneyDisplayMixin
from billing.money import format_usd
from core.admin.actions import (
    ActionPage,
    FormAction,
    ServiceAction,
    ServiceErrorMessageMixin,
    ServiceSaveMixin,
)
from core.admin.history import HistoryAdmin
from crm import services
from crm.admin.benefits import BenefitGrantInline
from crm.admin.common import InlineServiceSaveMixin
from crm.admin.data_tools import CsvXlsxExportMixin
from crm.models import (
    InvestorLevel,
    Pledge,
    PledgeInstallment,
    PledgeRenewalProposal,
)
from crm.services import applications, renewals
from crm.services.pledges import PAST_INSTALLMENTS

# --- Investors --------------------------------------------------------------------------------


@admin.register(InvestorLevel)
class InvestorLevelAdmin(
    MoneyDisplayMixin, CsvXlsxExportMixin, InlineServiceSaveMixin, HistoryAdmin
):
    list_display = ["name", "code", "minimum_annual_amount", "gl_account", "offered_publicly"]
    prepopulated_fields = {"code": ["name"]}
    search_fields = ["name", "code"]
    inlines = [BenefitGrantInline]

    def save_model(self, request: HttpRequest, obj: InvestorLevel, form: Any, change: bool) -> None:
        services.investor_level_save(level=obj, by=request.user)


class PledgeInstallmentInline(MoneyDisplayMixin, admin.TabularInline):
    model = PledgeInstallment
    extra = 0
    can_delete = False
    fields = ("number", "due_date", "amount", "settled_outside")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Each row is labelled with str(installment), which names the pledge's organization.
        return super().get_queryset(request).select_related("pledge__organization", "pledge__level")


class PledgeCreateForm(forms.ModelForm):
    past_installments = forms.ChoiceField(
        label="Installments already due",
        choices=[
            ("invoice", "Invoice them like the others"),
            ("settled", "Paid outside this system (a pledge migrated from an old one): no invoice"),
        ],
        initial=PAST_INSTALLMENTS[0],
        help_text="Only matters for a back-dated pledge: the installments due before today.",
    )

    class Meta:
        model = Pledge
        fields = [
            "organization",
            "level",
            "contact",
            "annual_amount",
            "start_date",
            "term_years",
            "installments_per_year",
            "message",
            "needs_attention",
            "match_note",
        ]


@admin.register(Pledge)
class PledgeAdmin(
    MoneyDisplayMixin, ServiceErrorMessageMixin, ServiceSaveMixin, CsvXlsxExportMixin, HistoryAdmin
):
    list_display = [
        "organization",
        "level",
        "annual_amount",
        "term_years",
        "installments_per_year",
        "total",
        "start_date",
        "status",
    ]
    list_filter = ["status", "level", "installments_per_year"]
    search_fields = ["organization__name", "reference"]
    list_select_related = ["organization", "level"]
    autocomplete_fields = ["organization", "contact"]
    show_full_result_count = False
    inlines = [PledgeInstallmentInline]
    actions = ["confirm", "decline", "cancel"]
    readonly_fields = [
        "status",
        "status_reason",
        "confirmed_at",
        "confirmed_by",
        "reference",
        "created",
        "modified",
    ]

    # The schedule is fixed once made: change a pledge by cancelling it and pledging anew.
    fixed_once_made = [
        "organization",
        "level",
        "annual_amount",
        "start_date",
        "term_years",
        "installments_per_year",
    ]

    @admin.display(description="total commitment")
    def total(self, obj: Pledge) -> str:
        return format_usd(obj.total_commitment)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = PledgeCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Pledge, form: Any, change: bool) -> None:
        # The create service takes the choice; the form keeps it on the unsaved pledge for it.
        obj._past_installments = form.cleaned_data.get("past_installments", "invoice")  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def update_object(self, obj: Pledge, by: Any) -> None:
        services.pledge_update(pledge=obj, by=by)

    def create_object(self, obj: Pledge, by: Any) -> Pledge:
        return services.pledge_create(
            organization=obj.organization,
            level=obj.level,
            contact=obj.contact,
            annual_amount=obj.annual_amount,
            start_date=obj.start_date,
            term_years=obj.term_years,
            installments_per_year=obj.installments_per_year,
            message=obj.message,
            past_installments=getattr(obj, "_past_installments", "invoice"),
            by=by,
        )

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        # The schedule is made by the create service: a new pledge has none to show, and an
        # empty formset on the add page would fail the admin's change message.
        return list(self.inlines) if obj is not None else []

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    confirm = ServiceAction(
        "Confirm selected pledges",
        call=lambda p, by: applications.investment_confirm(pledge=p, by=by),
        done="confirmed",
    )
    decline = FormAction(
        "Decline selected pledges…",
        page=ActionPage("Decline pledges", "The investor is told the reason.", "Decline"),
        call=lambda p, by, reason: applications.investment_decline(pledge=p, by=by, reason=reason),
        done="declined",
    )
    cancel = FormAction(
        "Cancel selected pledges…",
        page=ActionPage("Cancel pledges", "Unbilled installments are dropped.", "Cancel pledges"),
        call=lambda p, by, reason: services.pledge_cancel(pledge=p, by=by, reason=reason),
        done="cancelled",
    )


@admin.register(PledgeRenewalProposal)
class PledgeRenewalProposalAdmin(MoneyDisplayMixin, ServiceErrorMessageMixin, HistoryAdmin):
    """The renewals the daily run proposed before a pledge's last installment."""

    list_display = [
        "organization",
        "level",
        "annual_amount",
        "start_date",
        "status",
        "next_pledge",
        "created",
    ]
    list_filter = ["status", "level"]
    search_fields = ["pledge__organization__name", "pledge__reference"]
    list_select_related = ["pledge__organization", "level", "next_pledge"]
    show_full_result_count = False
    actions = ["accept", "decline"]
    fields = [
        "pledge",
        "level",
        "annual_amount",
        "start_date",
        "explanation",
        "status",
        "status_reason",
        "status_changed_at",
        "decided_by",
        "next_pledge",
        "created",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the daily run proposes (renewals.pledge_renewal_propose)

    @admin.display(description="organization", ordering="pledge__organization__name")
    def organization(self, obj: PledgeRenewalProposal) -> Any:
        return obj.pledge.organization

    accept = ServiceAction(
        "Accept selected renewals (make the next pledges)",
        call=lambda p, by: renewals.pledge_renewal_accept(proposal=p, by=by),
        done="accepted",
    )
    decline = FormAction(
        "Decline selected renewals…",
        page=ActionPage("Decline renewals", "No next pledge is made.", "Decline"),
        call=lambda p, by, reason: renewals.pledge_renewal_decline(
            proposal=p, by=by, reason=reason
        ),
        done="declined",
    )
