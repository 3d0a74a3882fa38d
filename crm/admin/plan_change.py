"""Changing the plan of selected members, with a preview: staff choose the plan (and an upgrade's
first day), see for each member what membership_change_plan would do, line by line (charged now,
prorated, or at the renewal) with a warning when the organization's size is outside the plan's
intended size, and only then confirm."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from core.admin.actions import ActionPage, FormAction
from core.exceptions import ServiceError
from crm.models import MembershipPlan
from crm.services.renewals import membership_change_plan, plan_change_preview


class ChangePlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=MembershipPlan.objects.filter(is_active=True))
    effective = forms.DateField(
        required=False,
        help_text="An upgrade's first day (default today). A move to a plan that costs the same "
        "or less always takes effect at the renewal.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


CHANGE_PLAN_PAGE = ActionPage(
    "Change plan",
    "Choose the plan, then check what each member would be charged before confirming. An "
    "upgrade applies now and invoices the difference for the rest of the paid year, prorated; a "
    "move to a plan that costs the same or less waits for the renewal.",
    "Change plan",
)


class PlanChangeAction(FormAction):
    """The list action: the form (submitted as `preview`), then the previews with the choice
    kept in hidden fields (submitted as `apply`, which runs the service as any FormAction)."""

    def __init__(self) -> None:
        super().__init__(
            "Change the plan of selected members…",
            form_class=ChangePlanForm,
            page=CHANGE_PLAN_PAGE,
            call=lambda m, by, **data: membership_change_plan(membership=m, by=by, **data),
            done="changed",
        )

    def __call__(
        self, modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        if "apply" in request.POST:
            return super().__call__(modeladmin, request, queryset)
        memberships = list(queryset.select_related("organization", "plan"))
        asked = "preview" in request.POST or "edit" in request.POST
        form = ChangePlanForm(request.POST if asked else None)
        previews: list[tuple[Any, Any, str]] = []
        if "preview" in request.POST and form.is_valid():
            for membership in memberships:
                try:
                    preview = plan_change_preview(
                        membership=membership,
                        plan=form.cleaned_data["plan"],
                        effective=form.cleaned_data["effective"],
                    )
                except ServiceError as exc:
                    previews.append((membership, None, exc.message))
                else:
                    previews.append((membership, preview, ""))
        return TemplateResponse(
            request,
            "admin/crm/plan_change.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": self.page.title,
                "prompt": self.page.prompt,
                "memberships": memberships,
                "form": form,
                "previews": previews,
                "can_confirm": any(preview for _, preview, _ in previews),
                "action": self.name,
                "opts": modeladmin.model._meta,
            },
        )
