"""The public events pages. Like the other public pages they are shells the browser fills by
calling the public API, so the chamber's website and these pages cannot drift apart."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from core.exceptions import ServiceError
from events import selectors
from events.services import registration_verify


class EventsPage(TemplateView):
    template_name = "public/events/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "section": "events"}


class EventPage(TemplateView):
    template_name = "public/events/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        event = selectors.event_list_public().filter(slug=kwargs["slug"]).first()
        if event is None:
            raise Http404("No such upcoming event.")
        return {**super().get_context_data(**kwargs), "section": "events", "event": event}


class RegistrationPage(TemplateView):
    template_name = "public/events/registration.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "section": "events"}


class ConfirmMembershipPage(TemplateView):
    """The membership confirmation link of a website registration. Opening it shows a button;
    only the button's POST confirms, so a mail scanner fetching the link does not use it up."""

    template_name = "public/events/confirm_membership.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "section": "events"}

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            registration = registration_verify(token=token)
        except ServiceError as exc:
            context = {**self.get_context_data(token=token), "error": exc.message}
            return render(request, self.template_name, context, status=409)
        return redirect("events:registration", reference=registration.reference)
