"""The website's API (/api/v1/public/): see docs/public-api.md."""

from django.urls import path

from api.views import public, public_events, public_inquiries, public_newsletters

urlpatterns = [
    # Joining and investing.
    path("membership-plans/", public.MembershipPlanList.as_view(), name="public-membership-plans"),
    path(
        "membership-plans/<slug:code>/quote/",
        public.MembershipPlanQuote.as_view(),
        name="public-membership-plan-quote",
    ),
    path("join/", public.JoinCreate.as_view(), name="public-join"),
    path("join/<str:reference>/", public.JoinDetail.as_view(), name="public-join-detail"),
    path("investor-levels/", public.InvestorLevelList.as_view(), name="public-investor-levels"),
    path("invest/", public.InvestCreate.as_view(), name="public-invest"),
    path("invest/<str:reference>/", public.InvestDetail.as_view(), name="public-invest-detail"),
    path("directory/", public.Directory.as_view(), name="public-directory"),
    path(
        "directory/categories/",
        public.DirectoryCategoryList.as_view(),
        name="public-directory-categories",
    ),
    # The member portal's way in
    path(
        "portal/sign-in-link/", public.PortalSignInLink.as_view(), name="public-portal-sign-in-link"
    ),
    # Site-selector and contact forms
    path("inquiries/", public_inquiries.InquiryCreate.as_view(), name="public-inquiries"),
    # Newsletters
    path("newsletters/", public_newsletters.NewsletterList.as_view(), name="public-newsletters"),
    path(
        "newsletter-subscriptions/",
        public_newsletters.NewsletterSubscribe.as_view(),
        name="public-newsletter-subscribe",
    ),
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
