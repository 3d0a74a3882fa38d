from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("events/", views.EventsPage.as_view(), name="events"),
    path("events/<slug:slug>/", views.EventPage.as_view(), name="event"),
    path(
        "registrations/confirm-membership/<str:token>/",
        views.ConfirmMembershipPage.as_view(),
        name="confirm-membership",
    ),
    path(
        "registrations/<str:reference>/",
        views.RegistrationPage.as_view(),
        name="registration",
    ),
]
