"""The public events pages. Like the other public pages they are shells the browser fills by
calling the public API, so the chamber's website and these pages cannot drift apart."""

from typing import Any

from django.http import Http404
from django.views.generic import TemplateView

from events import selectors


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
