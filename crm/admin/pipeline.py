"""Account work: prospects and their stages, inquiries from the website, tasks, interactions,
the "My accounts" page, and what the organization page shows of them (its account owner, its
engagement score and its interactions). Every write calls a service in crm/services/pipeline.py."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.admin.actions import ServiceErrorMessageMixin, action_with_form, run_service_action
from core.admin.history import HistoryAdmin
from crm import selectors
from crm.admin.benefits import benefits_this_term
from crm.models import Inquiry, Interaction, Organization, Prospect, Task
from crm.services.pipeline import (
    interaction_record,
    organization_set_account_owner,
    prospect_move_stage,
    task_complete,
    task_create,
    task_update,
)


def active_staff() -> QuerySet:
    return get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")


class RecordAdmin(admin.ModelAdmin):
    """Records written once through a service and never edited: viewed, and deleted by those
    who may, who then land back on the list (Django sends anyone without the change permission
    to the admin's front page)."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: Any) -> Any:
        response = super().response_delete(request, obj_display, obj_id)
        if isinstance(response, HttpResponseRedirect) and self.has_view_permission(request):
            opts = self.opts
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_changelist",
                    current_app=self.admin_site.name,
                )
            )
        return response


# --- On the organization's page --------------------------------------------------------------


class AccountOwnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=active_staff(), required=False, help_text="Leave empty for no account owner."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_staff()  # type: ignore[attr-defined]


class InteractionInline(admin.TabularInline):
    """The organization's timeline of calls, meetings, emails and events attended (recorded on
    the Interactions page, through interaction_record)."""

    model = Interaction
    extra = 0
    can_delete = False
    fields = ("occurred_on", "kind", "contact", "summary", "recorded_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super().get_queryset(request).select_related("contact", "recorded_by", "organization")
        )


class OrganizationAccountMixin:
    """What OrganizationAdmin shows and does of the account: the owner (set by the list action
    below) and the engagement score with each factor."""

    account_fieldset = ("Account", {"fields": ["account_owner", "engagement"]})
    account_readonly_fields = ["account_owner", "engagement"]

    @admin.display(description="engagement score")
    def engagement(self, obj: Organization) -> str:
        if obj.pk is None:
            return "—"
        today = timezone.localdate()
        score = selectors.organization_engagement(
            organization_ids=[obj.pk], today=today, benefits={obj.pk: benefits_this_term(obj)}
        )[obj.pk]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td></tr>",
            ((f.label, f.value, f.points, f.weight, f.explanation) for f in score.factors),
        )
        return format_html(
            "<table><thead><tr><th>factor</th><th>value</th><th>points / weight</th>"
            "<th>how</th></tr></thead><tbody>{}</tbody><tfoot><tr><th colspan='2'>score</th>"
            "<th>{} / {}</th><th>the sum of the points</th></tr></tfoot></table>",
            rows,
            score.score,
            score.maximum,
        )

    @admin.action(
        description="Set the account owner of selected organizations…", permissions=["change"]
    )
    def set_account_owner(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return action_with_form(
            self,  # type: ignore[arg-type]
            request,
            queryset,
            form_class=AccountOwnerForm,
            action="set_account_owner",
            title="Set the account owner",
            prompt="The staff member who owns the relationship with these organizations.",
            submit_label="Set the account owner",
            call=lambda organization, data: organization_set_account_owner(
                organization=organization, owner=data["owner"], by=request.user
            ),
            done="given their account owner",
        )


# --- Prospects and inquiries -----------------------------------------------------------------


@admin.register(Prospect)
class ProspectAdmin(ServiceErrorMessageMixin, HistoryAdmin):
    list_display = [
        "organization",
        "stage",
        "amount_proposed",
        "account_owner",
        "stage_changed_at",
        "source",
    ]
    list_filter = ["stage", "source", "organization__account_owner"]
    search_fields = ["organization__name"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization__account_owner"]
    fields = [
        "organization",
        "stage",
        "amount_proposed",
        "stage_note",
        "source",
        "stage_changed_at",
    ]
    readonly_fields = ["source", "stage_changed_at"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "organization"] if obj is not None else self.readonly_fields

    @admin.display(description="account owner", ordering="organization__account_owner")
    def account_owner(self, obj: Prospect) -> Any:
        return obj.organization.account_owner or "—"

    def save_model(self, request: HttpRequest, obj: Prospect, form: Any, change: bool) -> None:
        saved = prospect_move_stage(
            organization=obj.organization,
            stage=obj.stage,
            amount_proposed=obj.amount_proposed,
            note=obj.stage_note if "stage_note" in form.changed_data else "",
            by=request.user,
        )
        obj.pk = saved.pk
        obj.stage_changed_at = saved.stage_changed_at


@admin.register(Inquiry)
class InquiryAdmin(RecordAdmin):
    """What businesses sent from the website; read only (the lead it started is a prospect)."""

    list_display = ["created", "kind", "organization", "contact"]
    list_filter = ["kind"]
    search_fields = ["organization__name", "contact__email", "message"]
    list_select_related = ["organization", "contact"]
    fields = ["created", "kind", "organization", "contact", "message", "match_note"]
    readonly_fields = ["created", "kind", "organization", "contact", "message", "match_note"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# --- Tasks, interactions and "My accounts" -----------------------------------------------------


class DoneFilter(admin.SimpleListFilter):
    title = "done"
    parameter_name = "done"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Open"), ("yes", "Done")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(done_at__isnull=self.value() == "no")
        return queryset


class StaffChoiceMixin:
    staff_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.staff_fields:
            kwargs["queryset"] = active_staff()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class TaskForm(forms.ModelForm):
    """A task's fields, and on a task that exists whether it is done (untick to reopen) and why
    it changed, kept in its history."""

    done = forms.BooleanField(required=False, help_text="Untick to reopen a done task.")
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text="Why it changed: kept in the task's history with what changed.",
    )

    class Meta:
        model = Task
        fields = ["title", "organization", "assignee", "due_date", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "done" in self.fields:
            self.fields["done"].initial = self.instance.is_done


@admin.register(Task)
class TaskAdmin(ServiceErrorMessageMixin, StaffChoiceMixin, HistoryAdmin):
    """Tasks are created, edited (title, notes, assignee, due date, done or reopened, with a
    reason) and completed through the services."""

    form = TaskForm
    staff_fields = ("assignee",)
    actions = ["mark_done"]
    list_display = ["title", "organization", "assignee", "due_date", "done_at"]
    list_filter = [DoneFilter, "assignee", "due_date"]
    search_fields = ["title", "organization__name"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization", "assignee"]
    fields = ["title", "organization", "assignee", "due_date", "notes", "done_at", "done_by"]
    readonly_fields = ["done_at", "done_by"]
    show_full_result_count = False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return list(self.fields)
        return [*self.fields[:5], "done", "done_at", "done_by", "reason"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(self.readonly_fields)
        return readonly if obj is None else [*readonly, "organization"]

    def has_complete_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("crm.change_task")

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        if change:
            edited = ("title", "notes", "assignee", "due_date", "done", "reason")
            task_update(
                task=obj, by=request.user, **{name: form.cleaned_data[name] for name in edited}
            )
            return
        created = task_create(
            title=obj.title,
            assignee=obj.assignee,
            due_date=obj.due_date,
            organization=obj.organization,
            notes=obj.notes,
            by=request.user,
        )
        obj.pk = created.pk

    @admin.action(description="Mark selected tasks done", permissions=["complete"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset,
            call=lambda task: task_complete(task=task, by=request.user),
            done="marked done",
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "my-accounts/",
                self.admin_site.admin_view(self.my_accounts_view),
                name="crm_my_accounts",
            ),
            *super().get_urls(),
        ]

    def my_accounts_view(self, request: HttpRequest) -> HttpResponse:
        """The signed-in staff member's organizations, open tasks, prospects and members at
        risk: what the weekly mail sums up."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        return TemplateResponse(
            request,
            "admin/crm/my_accounts.html",
            {
                **self.admin_site.each_context(request),
                "title": "My accounts",
                "opts": self.model._meta,
                "today": today,
                "can_complete": self.has_complete_permission(request),
                **selectors.account_overview(user=request.user, today=today),
            },
        )


@admin.register(Interaction)
class InteractionAdmin(ServiceErrorMessageMixin, RecordAdmin):
    """Recorded once it happened; a record is not edited afterwards."""

    list_display = ["occurred_on", "organization", "kind", "contact", "recorded_by"]
    list_filter = ["kind", "occurred_on"]
    search_fields = ["organization__name", "summary"]
    autocomplete_fields = ["organization", "contact"]
    list_select_related = ["organization", "contact", "recorded_by"]
    fields = ["organization", "contact", "kind", "occurred_on", "summary", "recorded_by"]
    readonly_fields = ["recorded_by"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Interaction, form: Any, change: bool) -> None:
        recorded = interaction_record(
            organization=obj.organization,
            kind=obj.kind,
            occurred_on=obj.occurred_on,
            summary=obj.summary,
            contact=obj.contact,
            by=request.user,
        )
        obj.pk = recorded.pk
