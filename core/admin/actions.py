"""Admin actions that call a service for each selected row and report what happened."""

from collections.abc import Callable
from functools import wraps
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


def reason_action(
    *,
    description: str,
    permission: str,
    title: str,
    prompt: str,
    submit_label: str,
    done: str,
    per_run: Callable[[Callable[[Any, str], Any]], Callable[[Any, str], Any]] | None = None,
) -> Callable[[Callable[[Any, Any, str, Any], Any]], Callable[..., HttpResponse | None]]:
    """Make the decorated method, `(modeladmin, row, reason, by)` calling the service, an admin
    action of its name (with `description`, needing `permission`) that asks for a reason on an
    intermediate page, then calls the method for each selected row (see action_with_reason).
    `per_run`, when given, wraps that call afresh for each run (to act once per organization of
    the selected rows, say)."""

    def decorate(method: Callable[[Any, Any, str, Any], Any]) -> Callable[..., HttpResponse | None]:
        @admin.action(description=description, permissions=[permission])
        @wraps(method)
        def action(
            modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
        ) -> HttpResponse | None:
            def call(obj: Any, reason: str) -> Any:
                return method(modeladmin, obj, reason, request.user)

            return action_with_reason(
                modeladmin,
                request,
                queryset,
                action=method.__name__,
                title=title,
                prompt=prompt,
                submit_label=submit_label,
                call=per_run(call) if per_run else call,
                done=done,
            )

        return action

    return decorate


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


class ServiceErrorMessageMixin:
    """A change form whose save calls a service: a refusal (ServiceError) becomes the admin's
    error message on the same page instead of a server error. Django rolls the save back."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())
