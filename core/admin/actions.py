"""Admin actions that call a service for each selected row and report what happened."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from core.exceptions import ServiceError


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def run_service_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    call: Callable[[Any], Any],
    done: str,
) -> None:
    """Apply `call` to each row; a refused row is reported with its reason, the rest go on."""
    succeeded = 0
    for obj in queryset:
        try:
            call(obj)
        except ServiceError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


def action_with_reason(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    title: str,
    prompt: str,
    submit_label: str,
    call: Callable[[Any, str], Any],
    done: str,
) -> HttpResponse | None:
    """Ask for a reason on an intermediate page, then apply the service to each row."""
    return action_with_form(
        modeladmin,
        request,
        queryset,
        form_class=ReasonForm,
        action=action,
        title=title,
        prompt=prompt,
        submit_label=submit_label,
        call=lambda obj, data: call(obj, data["reason"]),
        done=done,
    )


def action_with_form(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form_class: type[forms.Form],
    action: str,
    title: str,
    prompt: str,
    submit_label: str,
    call: Callable[[Any, dict[str, Any]], Any],
    done: str,
) -> HttpResponse | None:
    """Ask for the form on an intermediate page, then apply the service to each row with the
    form's cleaned data."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        data = form.cleaned_data
        run_service_action(
            modeladmin, request, queryset, call=lambda obj: call(obj, data), done=done
        )
        return None
    return TemplateResponse(
        request,
        "admin/action_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "prompt": prompt,
            "submit_label": submit_label,
            "queryset": queryset,
            "form": form,
            "action": action,
            "opts": modeladmin.model._meta,
        },
    )


@dataclass(frozen=True)
class ActionPage:
    """The intermediate page of an action that asks for something before it runs."""

    title: str
    prompt: str
    submit_label: str


PerRun = Callable[[Callable[..., Any]], Callable[..., Any]]


class ServiceAction:
    """A list action, an attribute of its ModelAdmin (its `name` there is the action's name),
    that calls `call(row, user)` for each selected row, as run_service_action reports. The rows
    are read with what the admin's list reads with them, which messages and services use.
    `per_run`, when given, wraps the per-row call afresh for each run (to act once per
    organization of the selected rows, say)."""

    def __init__(
        self,
        description: str,
        *,
        call: Callable[..., Any],
        done: str,
        permissions: Sequence[str] = ("change",),
        per_run: PerRun | None = None,
    ) -> None:
        self.call = call
        self.done = done
        self.per_run = per_run
        # What Django's admin reads from an action (as @admin.action sets it on a function).
        self.short_description = description
        self.allowed_permissions = tuple(permissions)
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def _for_run(self, call: Callable[..., Any]) -> Callable[..., Any]:
        return self.per_run(call) if self.per_run else call

    def __call__(
        self, modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        run_service_action(
            modeladmin,
            request,
            _as_listed(modeladmin, queryset),
            call=self._for_run(lambda obj: self.call(obj, request.user)),
            done=self.done,
        )
        return None


class FormAction(ServiceAction):
    """A list action that asks for `form_class` (a reason, by default) on its intermediate
    `page`, then calls `call(row, user, **cleaned_data)` for each selected row."""

    def __init__(
        self,
        description: str,
        *,
        page: ActionPage,
        call: Callable[..., Any],
        done: str,
        form_class: type[forms.Form] = ReasonForm,
        permissions: Sequence[str] = ("change",),
        per_run: PerRun | None = None,
    ) -> None:
        super().__init__(
            description, call=call, done=done, permissions=permissions, per_run=per_run
        )
        self.page = page
        self.form_class = form_class

    def __call__(
        self, modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return action_with_form(
            modeladmin,
            request,
            _as_listed(modeladmin, queryset),
            form_class=self.form_class,
            action=self.name,
            title=self.page.title,
            prompt=self.page.prompt,
            submit_label=self.page.submit_label,
            call=self._for_run(lambda obj, data: self.call(obj, request.user, **data)),
            done=self.done,
        )


def _as_listed(modeladmin: admin.ModelAdmin, queryset: QuerySet) -> QuerySet:
    """The rows read with what the admin's list reads with them (the relations its
    `list_select_related` names)."""
    related = modeladmin.list_select_related
    return queryset.select_related(*related) if isinstance(related, list | tuple) else queryset


class ServiceErrorMessageMixin:
    """A change form whose save calls a service: a refusal (ServiceError) becomes the admin's
    error message on the same page instead of a server error. Django rolls the save back."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())


class ServiceSaveMixin:
    """A change form that saves through the services: `update_object(obj, by)` saves the fields
    the form set on `obj`; `create_object(obj, by)` makes the record from the form's unsaved
    `obj`, which then takes the new record's pk and reference for the admin's redirect and
    messages. `fixed_once_made` names the fields only the create service takes: they are
    read-only on a record that exists."""

    fixed_once_made: Sequence[str] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if obj is not None:
            fields += self.fixed_once_made
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            self.update_object(obj, request.user)
            return
        created = self.create_object(obj, request.user)
        obj.pk = created.pk
        obj.reference = created.reference

    def update_object(self, obj: Any, by: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must update through its service.")

    def create_object(self, obj: Any, by: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must create through its service.")
