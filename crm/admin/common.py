"""Pieces the CRM admins share: autocomplete inlines that read their choices once, and inline rows
saved through the services."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.http import HttpRequest

from core.services import validated_save
from crm import services
from crm.models import (
    Affiliation,
    BenefitGrant,
    Note,
)
from crm.services.benefits import benefit_grant_save


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
            elif isinstance(obj, BenefitGrant):
                benefit_grant_save(grant=obj, by=request.user)
            else:
                validated_save(obj, by=request.user)
        formset.save_m2m()
