from django.urls import path

from crm import views, views_events

app_name = "crm"

urlpatterns = [
    path("", views.HomePage.as_view(), name="home"),
    path("join/", views.JoinPage.as_view(), name="join"),
    path("join/<str:reference>/", views.JoinStatusPage.as_view(), name="join-status"),
    path("invest/", views.InvestPage.as_view(), name="invest"),
    path("invest/<str:reference>/", views.InvestStatusPage.as_view(), name="invest-status"),
    path("directory/", views.DirectoryPage.as_view(), name="directory"),
    # Events
    path("events/", views_events.EventsPage.as_view(), name="events"),
    path("events/<slug:slug>/", views_events.EventPage.as_view(), name="event"),
    path(
        "registrations/<str:reference>/",
        views_events.RegistrationPage.as_view(),
        name="registration",
    ),
]
