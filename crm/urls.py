from django.urls import path
from django.views.generic import RedirectView

from crm import views_events

app_name = "crm"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    # Events
    path("events/", views_events.EventsPage.as_view(), name="events"),
    path("events/<slug:slug>/", views_events.EventPage.as_view(), name="event"),
    path(
        "registrations/<str:reference>/",
        views_events.RegistrationPage.as_view(),
        name="registration",
    ),
]
