"""The website's API (/api/v1/public/): see CONTRACT.md."""

from django.urls import path

from api.views import public_events

urlpatterns: list = [
    # Events
    path("events/", public_events.EventListView.as_view(), name="public-events"),
    path("events/<slug:slug>/", public_events.EventDetailView.as_view(), name="public-event"),
    path(
        "events/<slug:slug>/registrations/",
        public_events.RegistrationCreateView.as_view(),
        name="public-event-register",
    ),
    path(
        "registrations/<str:reference>/",
        public_events.RegistrationDetailView.as_view(),
        name="public-registration",
    ),
    path(
        "registrations/<str:reference>/cancel/",
        public_events.RegistrationCancelView.as_view(),
        name="public-registration-cancel",
    ),
]
