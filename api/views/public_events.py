"""Public events endpoints (docs/public-api.md): upcoming events, registering, a registration's
state, and cancelling it through its reference before the event's cutoff."""

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import idempotent
from api.public_base import PublicAPIView, portal_contact
from api.schema import ErrorSerializer
from api.serializers.public_events import (
    EventSerializer,
    RegistrationInputSerializer,
    RegistrationSerializer,
)
from core.exceptions import InvalidData
from events import selectors as event_selectors
from events.models import Event, Registration, TicketType
from events.services import (
    AttendeeDetails,
    registration_cancel,
    registration_create_for_person,
)


class EventListView(PublicAPIView):
    @extend_schema(responses=EventSerializer(many=True), summary="Upcoming published events")
    def get(self, request: Request) -> Response:
        return Response(EventSerializer(event_selectors.event_list_public(), many=True).data)


class EventDetailView(PublicAPIView):
    @extend_schema(responses=EventSerializer, summary="One upcoming event")
    def get(self, request: Request, slug: str) -> Response:
        event = get_object_or_404(event_selectors.event_list_public(), slug=slug)
        return Response(EventSerializer(event).data)


class RegistrationCreateView(PublicAPIView):
    @extend_schema(
        request=RegistrationInputSerializer,
        responses={
            201: RegistrationSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="Sold out without a waitlist, closed, members only, or more seats "
                "than one person may hold (EVENT_MAX_SEATS_PER_PERSON; the `quantity` error "
                "names the limit)",
            ),
        },
        summary="Register for an event",
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        # The ticket asked for and its event in one read; else the event alone (404, or the
        # ticket's error below).
        code = request.data.get("ticket_type") if isinstance(request.data, dict) else None
        ticket_type = (
            event_selectors.ticket_type_public(slug=slug, code=code)
            if isinstance(code, str)
            else None
        )
        event = (
            ticket_type.event
            if ticket_type is not None
            else get_object_or_404(event_selectors.event_list_public(), slug=slug)
        )
        data = RegistrationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = register_from_website(
            request, event, data.validated_data, ticket_type=ticket_type
        )
        # Just made, with its event, ticket type, contact and invoice loaded: not read again.
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)


def register_from_website(
    request: HttpRequest | Request,
    event: Event,
    values: dict[str, Any],
    *,
    ticket_type: TicketType | None = None,
) -> Registration:
    """A registration the website posts, checked by RegistrationInputSerializer: through this
    API or the server-rendered event page alike. The ticket is chosen by its code (`ticket_type`:
    the event's one the caller read already); a signed-in portal contact vouches only for
    themselves (registering under another address goes through that address's confirmation
    link like anyone's)."""
    if ticket_type is None or ticket_type.code != values["ticket_type"]:
        ticket_type = next(
            (t for t in event.ticket_types.all() if t.code == values["ticket_type"]), None
        )
    if ticket_type is None:
        raise InvalidData("This event has no such ticket.", field="ticket_type")
    person = values["contact"]
    signed_in = portal_contact(request)
    return registration_create_for_person(
        event=event,
        ticket_type=ticket_type,
        first_name=person["first_name"],
        last_name=person["last_name"],
        email=person["email"],
        quantity=values["quantity"],
        organization_name=values["organization"],
        attendees=[
            AttendeeDetails(a["first_name"], a["last_name"], a.get("email", ""))
            for a in values["attendees"]
        ],
        payment=values["payment"],
        public=True,
        verified_by=signed_in
        if signed_in is not None and signed_in.email.lower() == person["email"].lower()
        else None,
        claim_member=values["member"],
    )


def _registration(reference: str) -> Registration:
    registration = event_selectors.registration_by_reference(reference)
    if registration is None:
        raise Http404
    return registration


class RegistrationDetailView(PublicAPIView):
    @extend_schema(responses=RegistrationSerializer, summary="A registration's state")
    def get(self, request: Request, reference: str) -> Response:
        return Response(RegistrationSerializer(_registration(reference)).data)


class RegistrationCancelView(PublicAPIView):
    @extend_schema(
        request=None,
        responses={
            200: RegistrationSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description="Past the cutoff, or already checked in"
            ),
        },
        summary="Cancel a registration (the registrant, before the cutoff)",
    )
    @idempotent
    def post(self, request: Request, reference: str) -> Response:
        registration = _registration(reference)
        registration_cancel(
            registration=registration, reason="Cancelled by the registrant.", by_registrant=True
        )
        # registration_cancel() refreshed it from the row it locked: not read again.
        return Response(RegistrationSerializer(registration).data)
