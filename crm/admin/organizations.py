"""Organizations, contacts, their affiliations and notes."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest

from billing.admin.credits import CreditEntryInline
from billing.admin.documents import DuesStatementMixin
from core.admin.actions import run_service_action
from core.admin.filters import IndexedValuesFieldListFilter
from core.admin.history import HistoryAdmin
from crm import selectors, services
from crm.admin.affiliations import PendingAffiliationsMixin, decide_links
from crm.admin.benefits import OrganizationBenefitsMixin
from crm.admin.common import (
    InlineServiceSaveMixin,
    PreloadedAutocompleteInline,
)
from crm.admin.data_tools import ContactDataTools, CsvXlsxExportMixin, OrganizationDataTools
from crm.admin.filters import (
    ContactCountyFilter,
    ContactMemberStatusFilter,
    ContactRoleFilter,
    ContactZipFilter,
    HasEmailFilter,
    OrganizationPaidThroughMonthFilter,
    OrganizationRenewalMonthFilter,
)
from crm.admin.pipeline import InteractionInline, OrganizationAccountMixin
from crm.admin.timeline import OrganizationTimelineMixin
from crm.models import (
    Affiliation,
    Contact,
    DirectoryCategory,
    EmailLog,
    Membership,
    MembershipPlan,
    Note,
    Organization,
)
from crm.pagination import EstimatedCountPaginator
from crm.resources import ContactResource, OrganizationResource
from crm.search import IndexedSearchAdminMixin

# --- Organizations and contacts -------------------------------------------------------------


class MembershipStatusFilter(admin.SimpleListFilter):
    title = "membership status"
    parameter_name = "membership_status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*Membership.Status.choices, ("none", "No membership")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "none":
            return queryset.filter(membership_status__isnull=True)
        if value in Membership.Status.values:
            return queryset.filter(membership_status=value)
        return queryset


class PlanFilter(admin.SimpleListFilter):
    title = "plan"
    parameter_name = "plan"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(p.code, p.name) for p in MembershipPlan.objects.all()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(
                memberships__plan__code=self.value(),
                memberships__status__in=Membership.OPEN_STATUSES,
            )
        return queryset


class PendingAffiliationFilter(admin.SimpleListFilter):
    title = "pending affiliations"
    parameter_name = "pending"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Waiting for confirmation")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(
                Exists(
                    Affiliation.objects.filter(
                        organization=OuterRef("pk"), status=Affiliation.Status.PENDING
                    )
                )
            )
        return queryset


class AffiliationForm(forms.ModelForm):
    """affiliation_save moves the primary role over from the current representative, so the form
    must not refuse a second primary (the one-primary constraint) before the service has run."""

    class Meta:
        model = Affiliation
        fields = [
            "contact",
            "organization",
            "title",
            "is_primary",
            "is_billing",
            "is_event_contact",
        ]

    def validate_constraints(self) -> None:
        exclude = self._get_validation_exclusions()  # type: ignore[attr-defined]
        exclude.add("is_primary")
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]


class AffiliationInline(PreloadedAutocompleteInline):
    model = Affiliation
    form = AffiliationForm
    extra = 0
    preloaded_autocomplete = "contact"
    fields = ["contact", "title", "is_primary", "is_billing", "is_event_contact"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .filter(status=Affiliation.Status.CONFIRMED)
            .select_related("contact", "organization")
        )


class PendingAffiliationInline(admin.TabularInline):
    """Links proposed on public forms (a join, a pledge, a registration), waiting for staff or
    the primary representative (in the portal's Colleagues page): each with Confirm and
    Decline (crm.admin.affiliations), as the Affiliations list's actions do."""

    model = Affiliation
    extra = 0
    can_delete = False
    fields = ("contact", "title", "created", "decide")
    readonly_fields = fields
    show_change_link = True
    verbose_name = "pending affiliation"
    verbose_name_plural = "pending affiliations (proposed on a public form, not yet confirmed)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="confirm or decline")
    def decide(self, obj: Affiliation) -> Any:
        return decide_links(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .filter(status=Affiliation.Status.PENDING)
            .select_related("contact", "organization")
        )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("plan", "status", "start_date", "paid_through", "auto_renew")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # new memberships go through the membership form and its service

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("plan", "organization")


class EmailLogInline(admin.TabularInline):
    """The mail sent to the organization: to whom, what and why."""

    model = EmailLog
    extra = 0
    can_delete = False
    fields = ("queued_at", "recipients", "subject", "template", "reason", "invoice", "status")
    readonly_fields = fields
    verbose_name_plural = "emails sent"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The invoice is shown as its str(), which names its organization.
        return super().get_queryset(request).select_related("invoice__organization", "organization")


class NoteInline(admin.StackedInline):
    model = Note
    extra = 0
    fields = ["body", "author", "created"]
    readonly_fields = ["author", "created"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("author")


class OrganizationNoteInline(NoteInline):
    fk_name = "organization"
    exclude = ["contact"]


class ContactNoteInline(NoteInline):
    fk_name = "contact"
    exclude = ["organization"]


@admin.register(Organization)
class OrganizationAdmin(
    OrganizationBenefitsMixin,
    PendingAffiliationsMixin,
    OrganizationTimelineMixin,
    OrganizationAccountMixin,
    IndexedSearchAdminMixin,
    DuesStatementMixin,
    OrganizationDataTools,
    InlineServiceSaveMixin,
    HistoryAdmin,
):
    resource_classes = [OrganizationResource]
    actions = ["merge_selected", "set_account_owner"]
    list_display = ["name", "plan", "status", "paid_through", "primary_contact", "county", "city"]
    list_filter = [
        MembershipStatusFilter,
        PlanFilter,
        OrganizationPaidThroughMonthFilter,
        OrganizationRenewalMonthFilter,
        PendingAffiliationFilter,
        "county",
        ("industry", IndexedValuesFieldListFilter),
        "directory_listed",
    ]
    search_fields = ["name", "website", "email_domain", "postal_code", "contacts__email"]
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = [
        AffiliationInline,
        PendingAffiliationInline,
        MembershipInline,
        CreditEntryInline,
        OrganizationNoteInline,
        EmailLogInline,
        InteractionInline,
    ]
    readonly_fields = [
        "created",
        "modified",
        "timeline",
        *OrganizationAccountMixin.account_readonly_fields,
    ]
    filter_horizontal = ["directory_categories"]
    fieldsets = [
        (None, {"fields": ["name", "website", "email_domain", "phone", "industry", "employees"]}),
        (
            "Address",
            {
                "fields": [
                    "address_line1",
                    "address_line2",
                    "city",
                    "state",
                    "postal_code",
                    "county",
                ]
            },
        ),
        (
            "Directory",
            {
                "fields": [
                    "directory_listed",
                    "directory_text",
                    "directory_logo",
                    "directory_categories",
                    "linkedin_url",
                    "facebook_url",
                    "instagram_url",
                    "x_url",
                    "youtube_url",
                ]
            },
        ),
        OrganizationAccountMixin.account_fieldset,
        OrganizationTimelineMixin.timeline_fieldset,
        ("Record", {"fields": ["created", "modified"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.organization_list()

    @admin.display(description="plan", ordering="membership_plan")
    def plan(self, obj: Organization) -> str:
        return getattr(obj, "membership_plan", None) or "—"

    @admin.display(description="status", ordering="membership_status")
    def status(self, obj: Organization) -> str:
        value = getattr(obj, "membership_status", None)
        return Membership.Status(value).label if value else "—"

    @admin.display(description="paid through", ordering="membership_paid_through")
    def paid_through(self, obj: Organization) -> Any:
        return getattr(obj, "membership_paid_through", None)

    @admin.display(description="primary contact")
    def primary_contact(self, obj: Organization) -> str:
        name = getattr(obj, "primary_contact_name", None)
        email = getattr(obj, "primary_contact_email", None)
        return f"{name} <{email}>" if name and email else name or "—"

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        services.organization_save(organization=obj, by=request.user)


class ContactAffiliationInline(PreloadedAutocompleteInline):
    model = Affiliation
    form = AffiliationForm
    extra = 0
    preloaded_autocomplete = "organization"
    fields = ["organization", "title", "is_primary", "is_billing", "is_event_contact"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("contact", "organization")


@admin.register(Contact)
class ContactAdmin(IndexedSearchAdminMixin, ContactDataTools, InlineServiceSaveMixin, HistoryAdmin):
    resource_classes = [ContactResource]
    actions = ["merge_selected"]
    list_display = ["full_name", "email", "phone", "title", "organization_names"]
    search_fields = ["first_name", "last_name", "email", "organizations__name"]
    list_filter = [
        ContactMemberStatusFilter,
        ContactRoleFilter,
        HasEmailFilter,
        ContactCountyFilter,
        ContactZipFilter,
        "created",
    ]
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = [ContactAffiliationInline, ContactNoteInline]
    readonly_fields = ["created", "modified"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "affiliations", queryset=Affiliation.objects.select_related("organization")
                )
            )
        )

    @admin.display(description="name", ordering="last_name")
    def full_name(self, obj: Contact) -> str:
        return obj.full_name

    @admin.display(description="organizations")
    def organization_names(self, obj: Contact) -> str:
        return ", ".join(
            f"{a.organization.name}{' (' + ', '.join(a.roles) + ')' if a.roles else ''}"
            for a in obj.affiliations.all()
        )

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        services.contact_save(contact=obj, by=request.user)


@admin.register(Affiliation)
class AffiliationAdmin(CsvXlsxExportMixin, HistoryAdmin):
    form = AffiliationForm
    list_display = [
        "contact",
        "organization",
        "title",
        "status",
        "is_primary",
        "is_billing",
        "is_event_contact",
    ]
    list_filter = ["status", "is_primary", "is_billing", "is_event_contact"]
    actions = ["confirm_pending", "reject_pending"]
    search_fields = ["contact__email", "contact__last_name", "organization__name"]
    autocomplete_fields = ["contact", "organization"]
    list_select_related = ["contact", "organization"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Affiliation, form: Any, change: bool) -> None:
        services.affiliation_save(affiliation=obj, by=request.user)

    @admin.action(description="Confirm selected pending affiliations", permissions=["change"])
    def confirm_pending(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("contact", "organization"),
            call=lambda a: services.affiliation_confirm(affiliation=a, by=request.user),
            done="confirmed",
        )

    @admin.action(description="Reject selected pending affiliations", permissions=["change"])
    def reject_pending(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("contact", "organization"),
            call=lambda a: services.affiliation_reject(affiliation=a, by=request.user),
            done="rejected",
        )


@admin.register(DirectoryCategory)
class DirectoryCategoryAdmin(HistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(
        self, request: HttpRequest, obj: DirectoryCategory, form: Any, change: bool
    ) -> None:
        services.directory_category_save(category=obj, by=request.user)


@admin.register(Note)
class NoteAdmin(CsvXlsxExportMixin, HistoryAdmin):
    list_display = ["__str__", "organization", "contact", "author", "created"]
    search_fields = ["body", "organization__name", "contact__email"]
    autocomplete_fields = ["organization", "contact"]
    list_select_related = ["organization", "contact", "author"]
    readonly_fields = ["author", "created", "modified"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Note, form: Any, change: bool) -> None:
        if change:
            services.note_update(note=obj, body=obj.body, by=request.user)
        else:
            created = services.note_create(
                body=obj.body,
                author=request.user,
                organization=obj.organization,
                contact=obj.contact,
            )
            obj.pk = created.pk
