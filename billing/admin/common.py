"""What the billing admins share: read-only inlines and pages, and the intermediate page of an
action that asks for a form."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from billing.money import format_usd


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def form_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form: forms.Form,
    action: str,
    title: str,
    prompt: str,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/action_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "prompt": prompt,
            "submit_label": title,
            "queryset": queryset,
            "form": form,
            "action": action,
            "opts": modeladmin.model._meta,
        },
    )


def is_money(field: Any) -> bool:
    """The ledger's and the price lists' amounts (billing.models.fields.amount_field and
    crm.models.plans.money_field): DecimalField(max_digits=12, decimal_places=2)."""
    return isinstance(field, models.DecimalField) and field.max_digits == 12


class MoneyDisplayMixin:
    """Amounts on the admin's lists and read-only fields written as everywhere else ($1,450.00;
    -$6,875.00, billing.money.format_usd), not Django's bare 1450.00.

    Every money field `x` named in list_display, or shown read-only on the change page (or an
    inline), is shown through a column `x_usd` ("<field>_usd" on this admin: described as the
    field, sorted by it). An editable field stays a number input. Amounts the model computes
    (properties such as an invoice's amount paid) are named in `money_properties`. Put it first in
    the bases so that it sees every name the other mixins add."""

    model: type[models.Model]
    money_properties: tuple[str, ...] = ()

    def _money_names(self) -> set[str]:
        fields = {field.name for field in self.model._meta.concrete_fields if is_money(field)}
        return fields | set(self.money_properties)

    def __getattr__(self, name: str) -> Any:
        field_name = name.removesuffix("_usd")
        if name.endswith("_usd") and field_name in self._money_names():
            computed = field_name in self.money_properties
            description = (
                field_name.replace("_", " ")
                if computed
                else str(self.model._meta.get_field(field_name).verbose_name)  # type: ignore[union-attr]
            )

            @admin.display(description=description, ordering=None if computed else field_name)
            def column(obj: Any) -> str:
                value = getattr(obj, field_name)
                return "" if value is None else format_usd(value)

            return column
        raise AttributeError(name)

    def _as_money(self, names: Any, *, readonly: set[str] | None = None) -> list[Any]:
        money = self._money_names()
        mapped = []
        for name in names:
            if isinstance(name, str) and name in money and (readonly is None or name in readonly):
                name = f"{name}_usd"
            if name not in mapped:
                mapped.append(name)
        return mapped

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._as_money(super().get_list_display(request))  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._as_money(super().get_readonly_fields(request, obj))  # type: ignore[misc]

    def _readonly_money(self, request: HttpRequest, obj: Any) -> set[str]:
        if not self.has_change_permission(request, obj):  # type: ignore[attr-defined]
            return self._money_names()  # a view-only page shows every field read-only
        shown = set(self.get_readonly_fields(request, obj))
        return {name for name in self._money_names() if f"{name}_usd" in shown}

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = self._readonly_money(request, obj)
        return [
            (title, {**options, "fields": self._as_money(options["fields"], readonly=readonly)})
            for title, options in super().get_fieldsets(request, obj)  # type: ignore[misc]
        ]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # The form leaves out the field the page shows read-only as x_usd.
        # (and the x_usd column itself, which is no form field: on a view-only page the
        # fieldsets name it without it being in readonly_fields).
        excluded = super().get_exclude(request, obj)  # type: ignore[misc]
        money = self._readonly_money(request, obj)
        names = [*money, *(f"{name}_usd" for name in money)]
        return [*(excluded or ()), *names] if names else excluded
