"""Every webhook Stripe sent, with what it did; a failed one can be replayed."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from billing import services
from billing.models import (
    StripeEvent,
)
from core.admin.filters import IndexedValuesFieldListFilter


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["stripe_id", "type", "status", "stripe_created", "received_at", "attempts"]
    list_filter = ["status", ("type", IndexedValuesFieldListFilter)]
    search_fields = ["stripe_id", "type", "error"]
    readonly_fields = [
        "stripe_id",
        "type",
        "livemode",
        "status",
        "stripe_created",
        "received_at",
        "processed_at",
        "attempts",
        "error",
        "outcome",
        "payload",
    ]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.replay_stripeevent")

    @admin.action(description="Process selected events again", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet) -> None:
        for event in queryset:
            result = services.stripe_event_process(event=event, force=True)
            if result.status == StripeEvent.Status.FAILED:
                self.message_user(request, f"{event}: {result.error}", messages.ERROR)
            else:
                self.message_user(request, f"{event}: {result.outcome}", messages.SUCCESS)


# --- reconciliation: payouts, bank deposits, journal batches ------------------------------------
