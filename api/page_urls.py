"""The public pages that take a form or show a record (api/pages.py), at the site's root."""

from django.urls import path

from api import pages, pages_invest

urlpatterns = [
    path("join/", pages.JoinPage.as_view(), name="join"),
    path("join/<str:reference>/", pages.JoinStatusPage.as_view(), name="join-status"),
    path("invest/", pages_invest.InvestPage.as_view(), name="invest"),
    path("invest/<str:reference>/", pages_invest.InvestStatusPage.as_view(), name="invest-status"),
    path("directory/", pages_invest.DirectoryPage.as_view(), name="directory"),
    path("events/", pages.EventsPage.as_view(), name="events"),
    path("events/<slug:slug>/", pages.EventPage.as_view(), name="event"),
    path(
        "registrations/confirm-membership/<str:token>/",
        pages.ConfirmMembershipPage.as_view(),
        name="confirm-membership",
    ),
    path("registrations/<str:reference>/", pages.RegistrationPage.as_view(), name="registration"),
]
