"""Staff API for events: events, ticket types and registrations, with their lifecycle actions
(publish, unpublish, cancel; check in, undo a check-in, cancel with or without a refund), each
calling events.services as the admin does. See api/views/staff_base.py for the pattern."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from api.filters.events import EventFilter, RegistrationFilter, TicketTypeFilter
from api.plain_rows import PlainListMixin, PlainRows
from api.serializers.events import (
    EventCancellationSerializer,
    RegistrationCancelSerializer,
    StaffEventSerializer,
    StaffRegistrationCreateSerializer,
    StaffRegistrationSerializer,
    StaffTicketTypeSerializer,
)
from api.views.crm import ReadCreateUpdateViewSet, _assign
from api.views.staff_base import (
    RequiredReasonSerializer,
    ServiceCreateMixin,
    ServiceDestroyMixin,
    StaffViewSet,
    service_action,
)
from events import selectors as event_selectors
from events import services as event_services
from events.models import Event, Registration, TicketType


class EventViewSet(ReadCreateUpdateViewSet):
    """Events with their ticket types and seats. Created as drafts; published, unpublished and
    cancelled through the actions."""

    queryset = Event.objects.all()
    serializer_class = StaffEventSerializer
    filterset_class = EventFilter
    search_fields = ["title", "slug", "venue"]
    ordering_fields = ["starts_at", "title", "created", "modified"]
    ordering = ["starts_at", "pk"]

    def get_queryset(self) -> QuerySet[Event]:
        return event_selectors.event_list_staff()

    def create_object(self, data: dict[str, Any]) -> Event:
        return event_services.event_save(event=Event(**data), by=self.request.user)

    def update_object(self, instance: Event, data: dict[str, Any]) -> Event:
        return event_services.event_save(event=_assign(instance, data), by=self.request.user)

    @service_action(
        permission="events.change_event",
        response=StaffEventSerializer,
        description="Put a draft event on the website, open for registration.",
    )
    def publish(self, event: Event, data: dict[str, Any], user: Any) -> None:
        event_services.event_publish(event=event, by=user)

    @service_action(
        permission="events.change_event",
        response=StaffEventSerializer,
        description="Take a published event back to draft: off the website and closed for "
        "registration; its registrations stand.",
    )
    def unpublish(self, event: Event, data: dict[str, Any], user: Any) -> None:
        event_services.event_unpublish(event=event, by=user)

    @service_action(
        permission="events.change_event",
        response=EventCancellationSerializer,
        body=RequiredReasonSerializer,
        description="Cancel the event, saying why: every standing registration is cancelled "
        "and refunded in full, and every registrant is emailed the reason. Answers with the "
        "event, how many registrations were cancelled, what was refunded and any refund that "
        "failed (for finance to retry in billing).",
    )
    def cancel(self, event: Event, data: dict[str, Any], user: Any) -> dict[str, Any]:
        # As in the admin: refunding everyone in full is what cancelling an event means, not a
        # choice about money, so events.change_event is enough (unlike a registration's refund).
        result = event_services.event_cancel(event=event, reason=data["reason"], by=user)
        return {
            "event": self.reread(event),
            "registrations_cancelled": len(result.cancelled),
            "refunded": result.refunded,
            "problems": result.problems,
        }


class TicketTypeViewSet(ServiceDestroyMixin, ReadCreateUpdateViewSet):
    """Ticket types of the events, with their seats. Capacity never drops below the seats
    taken; more capacity goes to the waitlist at once."""

    queryset = TicketType.objects.all()
    serializer_class = StaffTicketTypeSerializer
    filterset_class = TicketTypeFilter
    search_fields = ["code", "name", "event__title"]
    ordering_fields = ["sort_order", "name", "created", "modified"]
    ordering = ["event_id", "sort_order", "pk"]

    def get_queryset(self) -> QuerySet[TicketType]:
        return event_selectors.ticket_types_with_seats()

    def create_object(self, data: dict[str, Any]) -> TicketType:
        return event_services.ticket_type_save(ticket_type=TicketType(**data), by=self.request.user)

    def update_object(self, instance: TicketType, data: dict[str, Any]) -> TicketType:
        return event_services.ticket_type_save(
            ticket_type=_assign(instance, data), by=self.request.user
        )

    def delete_object(self, instance: TicketType) -> None:
        event_services.ticket_type_delete(ticket_type=instance, by=self.request.user)


@extend_schema_view(
    create=extend_schema(
        request=StaffRegistrationCreateSerializer,
        responses={status.HTTP_201_CREATED: StaffRegistrationSerializer},
        description="Register a contact: priced (member price for a member), then confirmed, "
        "held awaiting payment (with its invoice) or waitlisted, as on the website. Sold out "
        "without a waitlist, closed, or members-only for a non-member: 409.",
    )
)
class RegistrationViewSet(
    PlainListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    StaffViewSet,
):
    """Registrations with their event, ticket type, registrant, attendees and invoice. They
    change only through the actions (check in, undo check-in, cancel)."""

    queryset = Registration.objects.all()
    serializer_class = StaffRegistrationSerializer
    # What the summaries, who checked in and the complimentary seats' sentence read.
    plain_rows = PlainRows(
        (
            "event__slug",
            "event__title",
            "event__starts_at",
            "event__status",
            "ticket_type__code",
            "ticket_type__name",
            "contact__first_name",
            "contact__last_name",
            "contact__email",
            "organization__name",
            f"checked_in_by__{get_user_model().USERNAME_FIELD}",
            "benefit_usage__returned_at",
            "benefit_usage__benefit__name",
        ),
        by_ids=True,  # thirteen values of other records: the page's ids first, then its rows
    )
    filterset_class = RegistrationFilter
    search_fields = [
        "reference",
        "contact__first_name",
        "contact__last_name",
        "contact__email",
        "organization__name",
        "organization_name",
    ]
    ordering_fields = ["created", "modified", "status_changed_at", "checked_in_at", "quantity"]
    ordering = ["-created", "-pk"]

    def get_queryset(self) -> QuerySet[Registration]:
        return event_selectors.registration_list_staff()

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return StaffRegistrationCreateSerializer
        return StaffRegistrationSerializer

    def respond(self, instance: models.Model, code: int = status.HTTP_200_OK) -> Response:
        context = self.get_serializer_context()
        serializer = StaffRegistrationSerializer(self.reread(instance), context=context)
        return Response(serializer.data, status=code)

    def create_object(self, data: dict[str, Any]) -> Registration:
        ticket_type = data["ticket_type"]
        return event_services.registration_create(
            event=ticket_type.event,
            ticket_type=ticket_type,
            contact=data["contact"],
            quantity=data["quantity"],
            organization_name=data["organization_name"],
            attendees=[event_services.AttendeeDetails(**person) for person in data["attendees"]],
            payment=data["payment"],
            notify=data["notify"],
            by=self.request.user,
            seat_limit=False,  # staff may register past the per-person limit
        )

    @service_action(
        permission="events.change_registration",
        response=StaffRegistrationSerializer,
        url_path="check-in",
        description="Mark a confirmed party as arrived. Checking in twice changes nothing; a "
        "registration that is not confirmed is a 409.",
    )
    def check_in(self, registration: Registration, data: dict[str, Any], user: Any) -> None:
        event_services.registration_check_in(registration=registration, by=user)

    @service_action(
        permission="events.change_registration",
        response=StaffRegistrationSerializer,
        url_path="undo-check-in",
        description="Undo a check-in (a tap on the wrong name): confirmed again.",
    )
    def undo_check_in(self, registration: Registration, data: dict[str, Any], user: Any) -> None:
        event_services.registration_undo_check_in(registration=registration, by=user)

    @service_action(
        permission="events.change_registration",
        response=StaffRegistrationSerializer,
        body=RegistrationCancelSerializer,
        description="Cancel a registration, saying why: its seats go to the waitlist, an "
        "unpaid invoice is voided, and the registrant is emailed. `refund` (`full`, or `part` "
        "with an `amount`) also gives back what was paid through billing: events staff "
        "cancel and refund, as in the admin. A refund of more than was paid is a 400 and "
        "changes nothing; a checked-in registration is a 409 (undo the check-in first); a "
        "refund that fails on its way (Stripe down) is a 409 saying so, with the registration "
        "cancelled: cancelling again finishes it, and a refund already made is never made twice.",
    )
    def cancel(self, registration: Registration, data: dict[str, Any], user: Any) -> None:
        refund = data["refund"] != "none"
        event_services.registration_cancel(
            registration=registration,
            reason=data["reason"],
            by=user,
            refund=refund,
            refund_amount=data["amount"],
            notify=data["notify"],
        )
