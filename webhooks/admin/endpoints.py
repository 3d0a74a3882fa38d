"""Webhook endpoints and their deliveries in the admin. Only superusers hold these permissions
(no staff role does): an endpoint decides where the chamber's data goes and holds its secret."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from core.admin.filters import IndexedValuesFieldListFilter
from core.exceptions import ServiceError
from webhooks.events import EVENT_TYPE_CHOICES, EVENT_TYPES
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import (
    webhook_delivery_replay,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_save,
)


class WebhookEndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=EVENT_TYPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="The events this endpoint receives.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Use an http(s) address.")
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "is_active", "event_list", "modified"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = ["secret", "created", "modified"]
    actions = ["rotate_secret"]

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # An endpoint takes its delivery log with it; the log itself is never deleted by hand,
        # so its admin's refusal must not stop the endpoint's own deletion.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(WebhookDelivery._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    @admin.display(description="events")
    def event_list(self, obj: WebhookEndpoint) -> str:
        chosen = obj.event_types or []
        return "all" if set(chosen) >= set(EVENT_TYPES) else ", ".join(chosen)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        webhook_endpoint_save(endpoint=obj, by=request.user)

    @admin.action(
        description="Give the selected endpoints a new signing secret", permissions=["change"]
    )
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset:
            webhook_endpoint_rotate_secret(endpoint=endpoint, by=request.user)
        self.message_user(
            request,
            f"{queryset.count()} endpoints have a new secret: give it to their receivers.",
            messages.WARNING,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "response_code",
        "duration_ms",
        "next_attempt_at",
    ]
    list_filter = ["status", ("event_type", IndexedValuesFieldListFilter), "endpoint"]
    search_fields = ["message_id", "event_type"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created"
    actions = ["replay"]
    # Every stored field, in the model's order, with the body pretty-printed.
    readonly_fields = [
        *(f.name for f in WebhookDelivery._meta.fields if f.name not in {"id", "body"}),
        "pretty_body",
    ]
    exclude = ["body"]

    @admin.display(description="body")
    def pretty_body(self, obj: WebhookDelivery) -> str:
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", obj.body)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the log is what happened; replay sends a message again

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.replay_webhookdelivery")

    @admin.action(description="Send the selected deliveries again", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent = 0
        for delivery in queryset.select_related("endpoint"):
            try:
                webhook_delivery_replay(delivery=delivery, by=request.user)
            except ServiceError as exc:
                self.message_user(request, f"{delivery}: {exc.message}", messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(request, f"{sent} deliveries queued again.", messages.SUCCESS)
