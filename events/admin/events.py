"""Events, their ticket types and waitlists, the attendee CSV and the staff check-in page for the
door. Every change goes through events.services."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from billing.gateways import stripe_configured
from billing.models import Payment
from core.admin.actions import ServiceErrorMessageMixin, action_with_reason
from core.admin.history import HistoryAdmin, child_history
from core.exceptions import ServiceError
from crm.admin.data_tools import CsvXlsxExportMixin
from events import selectors as event_selectors
from events import services as event_services
from events.admin.attendees_csv import attendee_csv
from events.models import Event, Registration, TicketType
from events.services.check_in import DOOR_METHODS
from events.services.common import seats_held


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
        "tags",
        "seats_taken",
    ]
    readonly_fields = ["seats_taken"]

    @admin.display(description="seats taken")
    def seats_taken(self, obj: TicketType) -> int:
        return seats_held(obj.pk) if obj.pk else 0


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
        return event_selectors.registration_waitlist_position(obj)


@admin.register(Event)
class EventAdmin(ServiceErrorMessageMixin, CsvXlsxExportMixin, HistoryAdmin):
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
                    "tags",
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
        return event_selectors.event_list_admin()

    @admin.display(description="seats taken")
    def seats(self, obj: Event) -> str:
        return f"{getattr(obj, 'seats_taken', 0)} of {getattr(obj, 'seats_capacity', 0)}"

    @admin.display(description="waitlisted")
    def waitlisted(self, obj: Event) -> int:
        return getattr(obj, "people_waitlisted", 0)

    @admin.display(description="door")
    def check_in_link(self, obj: Event) -> str:
        url = reverse("admin:events_event_check_in", args=[obj.pk])
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

    def get_urls(self) -> list:
        return [
            path(
                "<int:event_id>/check-in/",
                self.admin_site.admin_view(self.check_in_view),
                name="events_event_check_in",
            ),
            path(
                "<int:event_id>/attendees.csv",
                self.admin_site.admin_view(self.attendees_csv_view),
                name="events_event_attendees_csv",
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
        registrations = event_selectors.registration_list().filter(
            event__in=queryset, status__in=Registration.HOLDING_STATUSES
        )
        return attendee_csv(registrations, "attendees.csv")

    def attendees_csv_view(self, request: HttpRequest, event_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        event = get_object_or_404(Event, pk=event_id)
        registrations = event_selectors.registration_list().filter(
            event=event, status__in=Registration.HOLDING_STATUSES
        )
        return attendee_csv(registrations, f"{event.slug}-attendees.csv")

    def _door_step(
        self, request: HttpRequest, registration: Registration, may_take_payment: bool
    ) -> HttpResponse | None:
        """One tap at the door: check in, undo, take cash or a check and check in, or open
        Stripe's page for a card. A refusal is a message over the list, nothing changed."""
        who = registration.contact
        pay = request.POST.get("pay", "")
        if pay and not may_take_payment:
            raise PermissionDenied("Taking payments at the door needs the Events or Finance role.")
        try:
            if pay == "card":
                return HttpResponseRedirect(
                    event_services.door_payment_page(registration=registration, by=request.user)
                )
            if pay:
                event_services.registration_pay_at_door(
                    registration=registration,
                    method=pay,
                    check_number=request.POST.get("check_number", "")[:50],
                    by=request.user,
                )
                messages.success(request, f"{who}: payment recorded, checked in.")
            elif request.POST.get("undo"):
                event_services.registration_undo_check_in(
                    registration=registration, by=request.user
                )
                messages.info(request, f"Check-in of {who} undone.")
            else:
                event_services.registration_check_in(registration=registration, by=request.user)
                messages.success(request, f"{who} checked in.")
        except ServiceError as exc:
            messages.error(request, f"{who}: {exc.message}")
        return None

    def check_in_view(self, request: HttpRequest, event_id: int) -> HttpResponse:
        """The door: search by name or organization, one tap to check a party in."""
        if not request.user.has_perm("events.change_registration"):
            raise PermissionDenied(
                "Checking people in at the door needs the permission to change registrations "
                "(the Events role has it)."
            )
        event = get_object_or_404(Event, pk=event_id)
        query = request.GET.get("q", "").strip()[:100]
        todo_only = request.GET.get("show") == "todo"
        may_take_payment = request.user.has_perm("events.take_payment_at_door")
        if request.method == "POST":
            registration = get_object_or_404(
                Registration, pk=request.POST.get("registration"), event=event
            )
            response = self._door_step(request, registration, may_take_payment)
            if response is not None:
                return response
            return HttpResponseRedirect(request.get_full_path())
        door = event_selectors.registration_check_in_list(event_id=event.pk, query=query)
        everyone = list(event_selectors.registration_check_in_list(event_id=event.pk))
        people_total = sum(r.quantity for r in everyone)
        people_in = sum(r.quantity for r in everyone if r.status == Registration.Status.CHECKED_IN)
        rows = [r for r in door if not todo_only or r.status != Registration.Status.CHECKED_IN]
        for row in rows:
            row.amount_due = event_selectors.registration_amount_due(row)
        return TemplateResponse(
            request,
            "admin/events/event/check_in.html",
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
                "may_take_payment": may_take_payment,
                "card_payments": stripe_configured(),
                "door_methods": [(m, Payment.Method(m).label) for m in DOOR_METHODS],
            },
        )
