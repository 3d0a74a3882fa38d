import csv
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from billing.admin_credit import CreditEntryInline
from billing.admin_documents import DuesStatementMixin
from billing.money import format_usd
from crm import (
    admin_dues,  # noqa: F401  (registers dues planning and the deductibility notice)
    pricing,
    selectors,
    services,
)
from crm.admin_actions import action_with_form, action_with_reason, run_service_action
from crm.admin_history import HistoryAdmin
from crm.admin_io import ContactDataTools, CsvXlsxExportMixin, OrganizationDataTools
from crm.exceptions import ServiceError
from crm.models import (
    Affiliation,
    Application,
    Attendee,
    Contact,
    EmailLog,
    Event,
    InvestorLevel,
    Membership,
    MembershipPlan,
    MembershipPlanChange,
    MembershipTransition,
    Note,
    Organization,
    PlanBracket,
    Pledge,
    PledgeInstallment,
    PledgeToConfirm,
    Registration,
    TicketType,
)
from crm.pagination import EstimatedCountPaginator
from crm.resources import ContactResource, OrganizationResource
from crm.search import IndexedSearchAdminMixin
from crm.services import applications
from crm.services import events as event_services
from crm.services.common import validated_save
from crm.spreadsheet import formula_safe

admin.site.site_header = "MetroHartford Alliance CRM"
admin.site.site_title = "Chamber CRM"
admin.site.index_title = "Members, investors, billing and events"


def child_history(records: Any, label: Any, limit: int = 50) -> str:
    """A panel for a parent's change page listing the changes to rows edited inline (ticket types
    of an event, price brackets of a plan), which have no History page of their own: when, who,
    which row, what changed and why, newest first. One query whatever the number of rows."""
    rows = list(records.select_related("history_user").order_by("history_date", "history_id"))
    previous: dict[Any, Any] = {}
    lines = []
    for record in rows:
        before = previous.get(record.id)
        if before is not None and record.history_type == "~":
            changes = ", ".join(
                f"{c.field}: {c.old} → {c.new}" for c in record.diff_against(before).changes
            )
        else:
            changes = ""
        previous[record.id] = record
        lines.append(
            (
                timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M"),
                record.history_user or "—",
                label(record),
                record.get_history_type_display(),
                changes,
                record.history_change_reason or "",
            )
        )
    if not lines:
        return "No changes recorded."
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        reversed(lines[-limit:]),
    )
    return format_html(
        '<table class="child-history"><thead><tr><th>When</th><th>Who</th><th>Row</th>'
        "<th>What</th><th>Changes</th><th>Why</th></tr></thead><tbody>{}</tbody></table>",
        body,
    )


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


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that labels its current choice from the row's related object, already
    loaded with select_related, instead of asking the database once per inline row."""

    preloaded: Any = None

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        obj = self.preloaded
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if obj is None or selected != {str(obj.pk)}:
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        label = self.choices.field.label_from_instance(obj)
        options.append(self.create_option(name, obj.pk, label, True, len(options)))
        return [(None, options, 0)]


class PreloadedAutocompleteInline(admin.TabularInline):
    """An inline whose `preloaded_autocomplete` foreign key is an autocomplete labelled from the
    row itself, so the change page runs the same number of queries however many rows it has."""

    preloaded_autocomplete: str

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        return [self.preloaded_autocomplete]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == self.preloaded_autocomplete:
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        field_name = self.preloaded_autocomplete

        class PreloadingFormSet(formset):  # type: ignore[valid-type,misc]
            def _construct_form(self, i: int, **form_kwargs: Any) -> Any:
                form = super()._construct_form(i, **form_kwargs)
                instance = form.instance
                if instance.pk and instance._meta.get_field(field_name).is_cached(instance):
                    widget = form.fields[field_name].widget
                    widget = getattr(widget, "widget", widget)  # inside the "+" wrapper
                    if isinstance(widget, PreloadedAutocompleteSelect):
                        widget.preloaded = getattr(instance, field_name)
                return form

        return PreloadingFormSet


class AffiliationInline(PreloadedAutocompleteInline):
    model = Affiliation
    form = AffiliationForm
    extra = 0
    preloaded_autocomplete = "contact"
    fields = ["contact", "title", "is_primary", "is_billing", "is_event_contact"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("contact", "organization")


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
        return super().get_queryset(request).select_related("invoice", "organization")


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


class InlineServiceSaveMixin:
    """Inline rows are saved through the services too (a new primary moves the role over)."""

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, Affiliation):
                services.affiliation_delete(affiliation=obj, by=request.user)
            elif isinstance(obj, Note):
                services.note_delete(note=obj, by=request.user)
            else:
                obj.delete()
        for obj in instances:
            if isinstance(obj, Affiliation):
                services.affiliation_save(affiliation=obj, by=request.user)
            elif isinstance(obj, Note) and obj.pk is None:
                services.note_create(
                    body=obj.body,
                    author=request.user,
                    organization=obj.organization if obj.organization_id else None,
                    contact=obj.contact if obj.contact_id else None,
                )
            elif isinstance(obj, Note):
                services.note_update(note=obj, body=obj.body, by=request.user)
            else:
                validated_save(obj, by=request.user)
        formset.save_m2m()


@admin.register(Organization)
class OrganizationAdmin(
    IndexedSearchAdminMixin,
    DuesStatementMixin,
    OrganizationDataTools,
    InlineServiceSaveMixin,
    HistoryAdmin,
):
    resource_classes = [OrganizationResource]
    actions = ["merge_selected"]
    list_display = ["name", "plan", "status", "paid_through", "primary_contact", "county", "city"]
    list_filter = [MembershipStatusFilter, PlanFilter, "county", "industry", "directory_listed"]
    search_fields = ["name", "website", "email_domain", "contacts__email"]
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = [
        AffiliationInline,
        MembershipInline,
        CreditEntryInline,
        OrganizationNoteInline,
        EmailLogInline,
    ]
    readonly_fields = ["created", "modified"]
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
        ("Directory", {"fields": ["directory_listed", "directory_text"]}),
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
        "is_primary",
        "is_billing",
        "is_event_contact",
    ]
    list_filter = ["is_primary", "is_billing", "is_event_contact"]
    search_fields = ["contact__email", "contact__last_name", "organization__name"]
    autocomplete_fields = ["contact", "organization"]
    list_select_related = ["contact", "organization"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Affiliation, form: Any, change: bool) -> None:
        services.affiliation_save(affiliation=obj, by=request.user)


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


# --- Plans ------------------------------------------------------------------------------------


class BracketFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return  # each bad row already says what is wrong with it
        plan = self.instance
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        kind = self.data.get("pricing_kind", getattr(plan, "pricing_kind", pricing.FLAT))
        rule = pricing.PricingRule(
            kind=kind,
            brackets=tuple(
                pricing.Bracket(max_employees=r["max_employees"], amount=r["amount"])
                for r in sorted(rows, key=lambda r: r["max_employees"])
            ),
        )
        try:
            pricing.validate_rule(rule)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PlanBracketInline(admin.TabularInline):
    model = PlanBracket
    formset = BracketFormSet
    extra = 0


@admin.register(MembershipPlan)
class MembershipPlanAdmin(CsvXlsxExportMixin, InlineServiceSaveMixin, HistoryAdmin):
    list_display = [
        "name",
        "code",
        "pricing_kind",
        "billing_cycle",
        "proration",
        "grace_days",
        "offered_publicly",
        "requires_review",
        "is_active",
        "gl_revenue_account",
    ]
    list_filter = ["pricing_kind", "billing_cycle", "offered_publicly", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [PlanBracketInline]
    readonly_fields = ["bracket_history"]

    @admin.display(description="changes to the price brackets")
    def bracket_history(self, obj: MembershipPlan) -> str:
        if obj.pk is None:
            return "—"
        return child_history(
            PlanBracket.history.filter(plan_id=obj.pk),
            label=lambda r: f"up to {r.max_employees} employees",
        )

    def save_model(
        self, request: HttpRequest, obj: MembershipPlan, form: Any, change: bool
    ) -> None:
        validated_save(obj, by=request.user)


# --- Memberships ------------------------------------------------------------------------------


class MembershipTransitionInline(admin.TabularInline):
    model = MembershipTransition
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "by", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("by")


class MembershipPlanChangeInline(admin.TabularInline):
    model = MembershipPlanChange
    extra = 0
    can_delete = False
    fields = (
        "requested_at",
        "by",
        "from_plan",
        "to_plan",
        "kind",
        "status",
        "effective_date",
        "applied_at",
        "invoice",
    )
    readonly_fields = fields
    verbose_name_plural = "plan changes"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("from_plan", "to_plan", "invoice__organization", "by")
        )


class ChangePlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=MembershipPlan.objects.filter(is_active=True))
    effective = forms.DateField(
        required=False,
        help_text="An upgrade's first day (default today). A move to a plan that costs the same "
        "or less always takes effect at the renewal.",
    )


class ReinstateForm(forms.Form):
    fee = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="An optional reinstatement fee, billed as a line of its own.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


@admin.register(EmailLog)
class EmailLogAdmin(admin.ModelAdmin):
    list_display = ["queued_at", "recipients", "subject", "template", "organization", "status"]
    list_filter = ["status", "template"]
    search_fields = ["recipients", "subject", "organization__name", "reason"]
    list_select_related = ["organization"]
    show_full_result_count = False
    readonly_fields = [f.name for f in EmailLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(CsvXlsxExportMixin, HistoryAdmin):
    list_display = [
        "organization",
        "plan",
        "status",
        "start_date",
        "paid_through",
        "auto_renew",
        "source",
    ]
    list_filter = ["status", "plan", "source", "auto_renew"]
    search_fields = ["organization__name", "reference"]
    date_hierarchy = "start_date"
    list_select_related = ["organization", "plan"]
    autocomplete_fields = ["organization"]
    show_full_result_count = False
    inlines = [MembershipTransitionInline, MembershipPlanChangeInline]
    actions = ["approve", "reject", "drop", "reinstate", "reinstate_with_fee", "change_plan"]
    import_export_change_list_template = "admin/crm/membership_change_list.html"
    readonly_fields = [
        "status",
        "paid_through",
        "member_since",
        "status_changed_at",
        "status_reason",
        "reference",
        "created",
        "modified",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["organization", "plan", "source"]
        return fields

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change:
            # The form already set the edited fields on `obj`.
            services.membership_update(membership=obj, by=request.user)
            return
        created = services.membership_create(
            organization=obj.organization,
            plan=obj.plan,
            start_date=obj.start_date,
            by=request.user,
            source=obj.source,
            message=obj.application_message,
            auto_renew=obj.auto_renew,
        )
        obj.pk = created.pk
        obj.reference = created.reference

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Approve selected applications", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("organization", "plan"),
            call=lambda m: applications.application_approve(membership=m, by=request.user),
            done="approved",
        )

    @admin.action(description="Reject selected applications…", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return action_with_reason(
            self,
            request,
            queryset.select_related("organization", "plan"),
            action="reject",
            title="Reject applications",
            prompt="The applicant is told the reason.",
            submit_label="Reject",
            call=lambda m, reason: applications.application_reject(
                membership=m, by=request.user, reason=reason
            ),
            done="rejected",
        )

    @admin.action(description="Drop selected members…", permissions=["change"])
    def drop(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return action_with_reason(
            self,
            request,
            queryset.select_related("organization", "plan"),
            action="drop",
            title="Drop members",
            prompt="Dropped members lose member benefits at once.",
            submit_label="Drop",
            call=lambda m, reason: services.membership_cancel(
                membership=m, by=request.user, reason=reason
            ),
            done="dropped",
        )

    @admin.action(
        description="Reinstate selected lapsed or dropped members", permissions=["change"]
    )
    def reinstate(self, request: HttpRequest, queryset: QuerySet) -> None:
        from billing.services.renewals import membership_reinstate_and_bill

        run_service_action(
            self,
            request,
            queryset.select_related("organization", "plan"),
            call=lambda m: membership_reinstate_and_bill(membership=m, by=request.user),
            done="reinstated",
        )

    @admin.action(description="Reinstate selected members with a fee…", permissions=["change"])
    def reinstate_with_fee(self, request: HttpRequest, queryset: QuerySet) -> Any:
        from billing.services.renewals import membership_reinstate_and_bill

        return action_with_form(
            self,
            request,
            queryset.select_related("organization", "plan"),
            form_class=ReinstateForm,
            action="reinstate_with_fee",
            title="Reinstate members",
            prompt="Members whose dues no longer cover today are sent an invoice for the "
            "current period, with the fee as a line of its own.",
            submit_label="Reinstate",
            call=lambda m, data: membership_reinstate_and_bill(
                membership=m, by=request.user, reason=data["reason"], fee=data["fee"]
            ),
            done="reinstated",
        )

    @admin.action(description="Change the plan of selected members…", permissions=["change"])
    def change_plan(self, request: HttpRequest, queryset: QuerySet) -> Any:
        from billing.services.renewals import membership_change_plan

        return action_with_form(
            self,
            request,
            queryset.select_related("organization", "plan"),
            form_class=ChangePlanForm,
            action="change_plan",
            title="Change plan",
            prompt="An upgrade applies now and invoices the prorated difference; a move to a "
            "plan that costs the same or less waits for the renewal.",
            submit_label="Change plan",
            call=lambda m, data: membership_change_plan(
                membership=m, plan=data["plan"], effective=data["effective"], by=request.user
            ),
            done="changed",
        )

    # --- the renewals page -------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        from django.urls import path

        return [
            path(
                "renewals/",
                self.admin_site.admin_view(self.renewals_view),
                name="crm_membership_renewals",
            ),
            *super().get_urls(),
        ]

    def renewals_view(self, request: HttpRequest) -> Any:
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponseRedirect
        from django.template.response import TemplateResponse
        from django.utils import timezone

        from billing.services.renewals import (
            membership_reinstate_and_bill,
            membership_renewal_invoice,
            membership_renewals_overview,
            membership_send_reminder,
        )

        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        can_act = self.has_change_permission(request)
        if request.method == "POST":
            if not can_act:
                raise PermissionDenied
            action = request.POST.get("action", "")
            reason = request.POST.get("reason", "").strip()
            chosen = Membership.objects.filter(
                pk__in=request.POST.getlist("membership")
            ).select_related("organization", "plan")
            calls = {
                "send_invoice": (
                    lambda m: membership_renewal_invoice(membership=m, by=request.user),
                    "sent a renewal invoice",
                ),
                "send_reminder": (
                    lambda m: membership_send_reminder(membership=m, by=request.user),
                    "reminded",
                ),
                "reinstate": (
                    lambda m: membership_reinstate_and_bill(
                        membership=m, by=request.user, reason=reason
                    ),
                    "reinstated",
                ),
                "drop": (
                    lambda m: services.membership_cancel(
                        membership=m, by=request.user, reason=reason
                    ),
                    "dropped",
                ),
            }
            if action not in calls:
                self.message_user(request, "Choose an action.", messages.ERROR)
            elif not chosen:
                self.message_user(request, "Select at least one member.", messages.ERROR)
            else:
                call, done = calls[action]
                run_service_action(self, request, chosen, call=call, done=done)
            return HttpResponseRedirect(request.get_full_path())
        groups = membership_renewals_overview(today=today)
        sections = [
            ("due", "Due in the next 60 days, not yet invoiced", groups["due"]),
            ("invoiced", "Invoiced, not yet reminded", groups["invoiced"]),
            ("reminded", "Reminded, still unpaid", groups["reminded"]),
            ("grace", "In grace", groups["grace"]),
            ("lapsed", "Lapsed this month", groups["lapsed"]),
        ]
        return TemplateResponse(
            request,
            "admin/crm/renewals.html",
            {
                **self.admin_site.each_context(request),
                "title": "Renewals",
                "opts": self.model._meta,
                "today": today,
                "can_act": can_act,
                "sections": [(key, label, list(rows[:500])) for key, label, rows in sections],
            },
        )


# --- Investors --------------------------------------------------------------------------------


@admin.register(InvestorLevel)
class InvestorLevelAdmin(CsvXlsxExportMixin, HistoryAdmin):
    list_display = ["name", "code", "minimum_annual_amount", "gl_account", "offered_publicly"]
    prepopulated_fields = {"code": ["name"]}
    search_fields = ["name", "code"]

    def save_model(self, request: HttpRequest, obj: InvestorLevel, form: Any, change: bool) -> None:
        services.investor_level_save(level=obj, by=request.user)


class PledgeInstallmentInline(admin.TabularInline):
    model = PledgeInstallment
    extra = 0
    can_delete = False
    fields = ("number", "due_date", "amount")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Each row is labelled with str(installment), which names the pledge's organization.
        return super().get_queryset(request).select_related("pledge__organization", "pledge__level")


@admin.register(Pledge)
class PledgeAdmin(CsvXlsxExportMixin, HistoryAdmin):
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # The schedule is fixed once made: change a pledge by cancelling it and pledging anew.
            fields += [
                "organization",
                "level",
                "annual_amount",
                "start_date",
                "term_years",
                "installments_per_year",
            ]
        return fields

    @admin.display(description="total commitment")
    def total(self, obj: Pledge) -> Any:
        return obj.total_commitment

    def save_model(self, request: HttpRequest, obj: Pledge, form: Any, change: bool) -> None:
        if change:
            # The form already set the edited fields on `obj`.
            services.pledge_update(pledge=obj, by=request.user)
            return
        created = services.pledge_create(
            organization=obj.organization,
            level=obj.level,
            contact=obj.contact,
            annual_amount=obj.annual_amount,
            start_date=obj.start_date,
            term_years=obj.term_years,
            installments_per_year=obj.installments_per_year,
            message=obj.message,
            by=request.user,
        )
        obj.pk = created.pk
        obj.reference = created.reference

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Confirm selected pledges", permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("organization", "level"),
            call=lambda p: applications.investment_confirm(pledge=p, by=request.user),
            done="confirmed",
        )

    @admin.action(description="Decline selected pledges…", permissions=["change"])
    def decline(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return action_with_reason(
            self,
            request,
            queryset.select_related("organization", "level"),
            action="decline",
            title="Decline pledges",
            prompt="The investor is told the reason.",
            submit_label="Decline",
            call=lambda p, reason: applications.investment_decline(
                pledge=p, by=request.user, reason=reason
            ),
            done="declined",
        )

    @admin.action(description="Cancel selected pledges…", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return action_with_reason(
            self,
            request,
            queryset.select_related("organization", "level"),
            action="cancel",
            title="Cancel pledges",
            prompt="Unbilled installments are dropped.",
            submit_label="Cancel pledges",
            call=lambda p, reason: services.pledge_cancel(pledge=p, by=request.user, reason=reason),
            done="cancelled",
        )


# --- The online queues ------------------------------------------------------------------------


class QueuePermissions:
    """The queues are views of memberships and pledges: they follow those models' permissions,
    so the roles need nothing new."""

    model: Any

    def _may(self, request: HttpRequest, action: str) -> bool:
        from django.contrib.auth import get_permission_codename

        opts = self.model._meta.concrete_model._meta
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "view") or self._may(request, "change")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, "view") or self._may(request, "change")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, "change")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # The history is the membership's or the pledge's own (a queue keeps none of its own).
    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None):
        return self._to_history(request, "history", object_id)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ):
        return self._to_history(request, "simple_history", object_id, version_id)

    def _to_history(self, request: HttpRequest, view: str, *args: str) -> HttpResponseRedirect:
        may = self.has_change_permission if request.method == "POST" else self.has_view_permission
        if not may(request):
            raise PermissionDenied
        opts = self.model._meta.concrete_model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)
        )


@admin.register(Application)
class ApplicationAdmin(QueuePermissions, MembershipAdmin):
    """Applications waiting for a decision, and approved ones waiting for their dues."""

    list_display = [
        "organization",
        "plan",
        "status",
        "applied_on",
        "start_date",
        "needs_attention",
        "duplicate_hint",
        "invoice_state",
    ]
    list_filter = ["status", "needs_attention", "plan", "source"]
    list_display_links = ["organization"]
    actions = ["approve", "reject"]
    ordering = ["created"]
    fieldsets = [
        (None, {"fields": ["organization", "plan", "status", "start_date", "source"]}),
        ("Application", {"fields": ["application_message", "needs_attention", "match_note"]}),
        ("Record", {"fields": ["reference", "status_changed_at", "status_reason", "created"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .filter(status__in=[Membership.Status.APPLIED, Membership.Status.APPROVED])
            .select_related("organization", "plan")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            "organization",
            "plan",
            "status",
            "start_date",
            "source",
            "application_message",
            "match_note",
            "reference",
            "status_changed_at",
            "status_reason",
            "created",
        ]

    @admin.display(description="applied", ordering="created")
    def applied_on(self, obj: Membership) -> Any:
        return obj.created.date()

    @admin.display(description="duplicate hint")
    def duplicate_hint(self, obj: Membership) -> str:
        return obj.match_note.splitlines()[0] if obj.match_note else "—"

    @admin.display(description="dues invoice")
    def invoice_state(self, obj: Membership) -> str:
        invoice = applications.application_invoice(obj)
        if invoice is None:
            return "not issued yet" if obj.status == Membership.Status.APPLIED else "—"
        return f"{invoice.number}: {invoice.status}"


@admin.register(PledgeToConfirm)
class PledgeToConfirmAdmin(QueuePermissions, PledgeAdmin):
    """Pledges made online, waiting for staff to confirm them with the investor."""

    list_display = [
        "organization",
        "level",
        "annual_amount",
        "term_years",
        "total",
        "schedule",
        "start_date",
        "needs_attention",
        "created",
    ]
    list_filter = ["needs_attention", "level", "installments_per_year"]
    actions = ["confirm", "decline"]
    ordering = ["created"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .filter(status=Pledge.Status.SUBMITTED)
            .prefetch_related("installments")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [
            "organization",
            "contact",
            "level",
            "annual_amount",
            "start_date",
            "term_years",
            "installments_per_year",
            "message",
            "match_note",
            "status",
            "reference",
            "created",
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Staff untick "needs attention" once they have checked the match.
        return [*self.get_readonly_fields(request, obj), "needs_attention"]

    @admin.display(description="schedule")
    def schedule(self, obj: Pledge) -> str:
        items = list(obj.installments.all())
        if not items:
            return "—"
        first, last = items[0], items[-1]
        return (
            f"{len(items)} installments of about {format_usd(first.amount)}, "
            f"{first.due_date:%Y-%m-%d} to {last.due_date:%Y-%m-%d}"
        )


# --- Events -----------------------------------------------------------------------------------
# Events, their ticket types and waitlists, registrations with their actions, the attendee CSV
# and the staff check-in page for the door. Every change goes through crm.services.events.


class TicketTypeInline(admin.TabularInline):
    model = TicketType
    extra = 0
    fields = [
        "code",
        "name",
        "member_price",
        "non_member_price",
        "members_only",
        "capacity",
        "max_per_registration",
        "sort_order",
        "seats_taken",
    ]
    readonly_fields = ["seats_taken"]

    @admin.display(description="seats taken")
    def seats_taken(self, obj: TicketType) -> int:
        return event_services.seats_held(obj.pk) if obj.pk else 0


class WaitlistInline(admin.TabularInline):
    """The waitlist in the order it is served."""

    model = Registration
    verbose_name = "waiting registration"
    verbose_name_plural = "waitlist, in order"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = (
        "position",
        "contact",
        "organization_name",
        "ticket_type",
        "quantity",
        "created",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .filter(status=Registration.Status.WAITLISTED)
            .select_related("contact", "ticket_type")
            .order_by("ticket_type__sort_order", "ticket_type_id", "pk")
        )

    @admin.display(description="#")
    def position(self, obj: Registration) -> Any:
        return selectors.registration_waitlist_position(obj)


def _attendee_csv(registrations: QuerySet, filename: str) -> HttpResponse:
    """One row per seat: who sits in it, for badges and the door list."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "event",
            "reference",
            "status",
            "ticket type",
            "first name",
            "last name",
            "attendee email",
            "registrant",
            "registrant email",
            "organization",
            "member price",
            "checked in at",
        ]
    )
    for registration in registrations.prefetch_related("attendees").order_by(
        "event__starts_at", "contact__last_name", "pk"
    ):
        people = list(registration.attendees.all())
        # Unnamed guests still take a seat: one row each, under the registrant's name.
        rows: list[tuple[str, str, str]] = [(a.first_name, a.last_name, a.email) for a in people]
        for guest in range(len(people), registration.quantity):
            rows.append((f"Guest {guest + 1} of", registration.contact.full_name, ""))
        organization = (
            registration.organization.name
            if registration.organization
            else registration.organization_name
        )
        checked_in = (
            timezone.localtime(registration.checked_in_at).strftime("%Y-%m-%d %H:%M")
            if registration.checked_in_at
            else ""
        )
        for first, last, email in rows:
            writer.writerow(
                [
                    _csv_safe(registration.event.title),
                    registration.reference,
                    registration.get_status_display(),
                    _csv_safe(registration.ticket_type.name),
                    _csv_safe(first),
                    _csv_safe(last),
                    _csv_safe(email),
                    _csv_safe(registration.contact.full_name),
                    _csv_safe(registration.contact.email),
                    _csv_safe(organization),
                    "yes" if registration.member_pricing else "no",
                    checked_in,
                ]
            )
    return response


# Names typed on the website must not run as formulas in a spreadsheet.
_csv_safe = formula_safe


@admin.register(Event)
class EventAdmin(CsvXlsxExportMixin, HistoryAdmin):
    list_display = [
        "title",
        "starts_at",
        "status",
        "seats",
        "waitlisted",
        "check_in_link",
    ]
    list_filter = ["status"]
    search_fields = ["title", "slug", "venue"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title"]}
    inlines = [TicketTypeInline, WaitlistInline]
    actions = ["cancel_events", "export_attendees"]
    readonly_fields = [
        "status_changed_at",
        "status_reason",
        "created",
        "modified",
        "ticket_type_history",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "description", "venue"]}),
        ("When", {"fields": ["starts_at", "ends_at"]}),
        (
            "Registration",
            {
                "fields": [
                    "registration_opens_at",
                    "registration_closes_at",
                    "waitlist_enabled",
                    "cancellation_cutoff_hours",
                    "gl_account",
                ]
            },
        ),
        (
            "Record",
            {
                "fields": ["status_changed_at", "status_reason", "created", "modified"],
                "classes": ["collapse"],
            },
        ),
        ("Changes to the ticket types", {"fields": ["ticket_type_history"]}),
    ]

    @admin.display(description="ticket type changes")
    def ticket_type_history(self, obj: Event) -> str:
        if obj.pk is None:
            return "—"
        return child_history(
            TicketType.history.filter(event_id=obj.pk), label=lambda r: f"{r.name} ({r.code})"
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.event_list_admin()

    @admin.display(description="seats taken")
    def seats(self, obj: Event) -> str:
        return f"{getattr(obj, 'seats_taken', 0)} of {getattr(obj, 'seats_capacity', 0)}"

    @admin.display(description="waitlisted")
    def waitlisted(self, obj: Event) -> int:
        return getattr(obj, "people_waitlisted", 0)

    @admin.display(description="door")
    def check_in_link(self, obj: Event) -> str:
        url = reverse("admin:crm_event_check_in", args=[obj.pk])
        return format_html('<a href="{}">Check-in</a>', url)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "status":
            # Cancelling refunds and tells every registrant: that is the cancel action's job.
            kwargs["choices"] = [
                (value, label)
                for value, label in Event.Status.choices
                if value != Event.Status.CANCELLED
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status == Event.Status.CANCELLED:
            fields.append("status")
        return fields

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        event_services.event_save(event=obj, by=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            event_services.ticket_type_delete(ticket_type=obj, by=request.user)
        for obj in instances:
            if isinstance(obj, TicketType):
                event_services.ticket_type_save(ticket_type=obj, by=request.user)
        formset.save_m2m()

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            with transaction.atomic():
                return super().changeform_view(request, *args, **kwargs)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_urls(self) -> list:
        return [
            path(
                "<int:event_id>/check-in/",
                self.admin_site.admin_view(self.check_in_view),
                name="crm_event_check_in",
            ),
            path(
                "<int:event_id>/attendees.csv",
                self.admin_site.admin_view(self.attendees_csv_view),
                name="crm_event_attendees_csv",
            ),
            *super().get_urls(),
        ]

    @admin.action(
        description="Cancel selected events, refund and tell everyone…", permissions=["change"]
    )
    def cancel_events(self, request: HttpRequest, queryset: QuerySet) -> Any:
        def cancel(event: Event, reason: str) -> None:
            result = event_services.event_cancel(event=event, reason=reason, by=request.user)
            for problem in result.problems:
                self.message_user(request, f"{event}: {problem}", messages.WARNING)

        return action_with_reason(
            self,
            request,
            queryset,
            action="cancel_events",
            title="Cancel events",
            prompt="Every registration is cancelled and refunded in full, and every registrant "
            "is emailed this reason.",
            submit_label="Cancel events",
            call=cancel,
            done="cancelled",
        )

    @admin.action(description="Download attendees (CSV)", permissions=["view"])
    def export_attendees(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        registrations = selectors.registration_list().filter(
            event__in=queryset, status__in=Registration.HOLDING_STATUSES
        )
        return _attendee_csv(registrations, "attendees.csv")

    def attendees_csv_view(self, request: HttpRequest, event_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        event = get_object_or_404(Event, pk=event_id)
        registrations = selectors.registration_list().filter(
            event=event, status__in=Registration.HOLDING_STATUSES
        )
        return _attendee_csv(registrations, f"{event.slug}-attendees.csv")

    def check_in_view(self, request: HttpRequest, event_id: int) -> HttpResponse:
        """The door: search by name or organization, one tap to check a party in."""
        if not request.user.has_perm("crm.change_registration"):
            raise PermissionDenied
        event = get_object_or_404(Event, pk=event_id)
        query = request.GET.get("q", "").strip()[:100]
        todo_only = request.GET.get("show") == "todo"
        if request.method == "POST":
            registration = get_object_or_404(
                Registration, pk=request.POST.get("registration"), event=event
            )
            try:
                if request.POST.get("undo"):
                    event_services.registration_undo_check_in(
                        registration=registration, by=request.user
                    )
                    messages.info(request, f"Check-in of {registration.contact} undone.")
                else:
                    event_services.registration_check_in(registration=registration, by=request.user)
                    messages.success(request, f"{registration.contact} checked in.")
            except ServiceError as exc:
                messages.error(request, f"{registration.contact}: {exc.message}")
            return HttpResponseRedirect(request.get_full_path())
        door = selectors.registration_check_in_list(event_id=event.pk, query=query)
        everyone = list(selectors.registration_check_in_list(event_id=event.pk))
        people_total = sum(r.quantity for r in everyone)
        people_in = sum(r.quantity for r in everyone if r.status == Registration.Status.CHECKED_IN)
        rows = [r for r in door if not todo_only or r.status == Registration.Status.CONFIRMED]
        return TemplateResponse(
            request,
            "admin/crm/event/check_in.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Check-in: {event.title}",
                "event": event,
                "opts": self.model._meta,
                "rows": rows,
                "query": query,
                "todo_only": todo_only,
                "people_total": people_total,
                "people_in": people_in,
                "people_to_come": people_total - people_in,
            },
        )


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0
    can_delete = False
    fields = readonly_fields = ("first_name", "last_name", "email")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RegistrationCancelForm(forms.Form):
    REFUND_CHOICES = [
        ("full", "Refund everything paid"),
        ("part", "Refund this amount"),
        ("none", "No refund"),
    ]
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    refund = forms.ChoiceField(choices=REFUND_CHOICES, initial="full", widget=forms.RadioSelect)
    amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("refund") == "part" and not data.get("amount"):
            self.add_error("amount", "Enter the amount to refund.")
        return data


@admin.register(Registration)
class RegistrationAdmin(CsvXlsxExportMixin, HistoryAdmin):
    list_display = [
        "reference",
        "contact",
        "organization_display",
        "event",
        "ticket_type",
        "quantity",
        "status",
        "total",
        "hold_expires_at",
        "created",
    ]
    list_filter = ["status", "event", "payment", "member_pricing"]
    search_fields = [
        "reference",
        "contact__first_name",
        "contact__last_name",
        "contact__email",
        "organization__name",
        "organization_name",
        "attendees__last_name",
    ]
    list_select_related = ["contact", "organization", "event", "ticket_type"]
    show_full_result_count = False
    inlines = [AttendeeInline]
    actions = ["check_in", "undo_check_in", "cancel_registrations", "export_attendees"]
    readonly_fields = [
        "reference",
        "event",
        "ticket_type",
        "contact",
        "organization",
        "organization_name",
        "quantity",
        "status",
        "waitlist_position",
        "payment",
        "member_pricing",
        "price_each",
        "total",
        "invoice",
        "hold_expires_at",
        "hold_lapsed_at",
        "checked_in_at",
        "checked_in_by",
        "status_changed_at",
        "status_reason",
        "created",
        "modified",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people register on the events page (or staff register them there)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancel instead: the seats, the waitlist and the money follow

    @admin.display(description="organization")
    def organization_display(self, obj: Registration) -> str:
        return obj.organization.name if obj.organization else obj.organization_name

    @admin.display(description="place on the waitlist")
    def waitlist_position(self, obj: Registration) -> Any:
        return selectors.registration_waitlist_position(obj) or "—"

    @admin.display(description="invoice")
    def invoice(self, obj: Registration) -> str:
        from crm.services.event_billing import registration_invoice

        invoice = registration_invoice(obj)
        if invoice is None:
            return "—"
        url = reverse("admin:billing_invoice_change", args=[invoice.pk])
        return format_html('<a href="{}">{}</a>', url, invoice)

    @admin.action(description="Check in selected registrations", permissions=["change"])
    def check_in(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("contact"),
            call=lambda r: event_services.registration_check_in(registration=r, by=request.user),
            done="checked in",
        )

    @admin.action(description="Undo check-in of selected registrations", permissions=["change"])
    def undo_check_in(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("contact"),
            call=lambda r: event_services.registration_undo_check_in(
                registration=r, by=request.user
            ),
            done="no longer checked in",
        )

    @admin.action(description="Cancel selected registrations and refund…", permissions=["change"])
    def cancel_registrations(self, request: HttpRequest, queryset: QuerySet) -> Any:
        form = RegistrationCancelForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            run_service_action(
                self,
                request,
                queryset.select_related("contact", "event"),
                call=lambda r: event_services.registration_cancel(
                    registration=r,
                    reason=data["reason"],
                    by=request.user,
                    refund=data["refund"] != "none",
                    refund_amount=data["amount"] if data["refund"] == "part" else None,
                ),
                done="cancelled",
            )
            return None
        return TemplateResponse(
            request,
            "admin/action_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": "Cancel registrations",
                "prompt": "Seats go to the waitlist; registrants are emailed the reason. A "
                "partial refund amount applies to each selected registration.",
                "submit_label": "Cancel registrations",
                "queryset": queryset,
                "form": form,
                "action": "cancel_registrations",
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Download attendees of selected registrations (CSV)")
    def export_attendees(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return _attendee_csv(
            queryset.select_related("event", "ticket_type", "contact", "organization"),
            "attendees.csv",
        )
