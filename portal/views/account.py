"""Signing in and out with an emailed link, and the contact's own pages: where to go, their
details, their event registrations."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ServiceError
from crm.models import Contact
from events.models import Registration
from events.services.registrations.cancelling import registrant_may_cancel
from outreach.net import client_address
from portal import links, selectors, services
from portal.forms import DetailsForm, SignInForm
from portal.views.base import (
    SESSION_KEY,
    contact_required,
    render_page,
    signed_in_contact,
)

# --- signing in and out -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        if signed_in_contact(request) is not None:
            return redirect("portal:home")
        return render_page(request, "sign_in", {"form": SignInForm()})
    form = SignInForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.portal_request_sign_in_link(
                email=form.cleaned_data["email"], client=client_address(request)
            )
        except services.TooManyRequests as exc:
            form.add_error(None, exc.message)
            status = 429
        except ServiceError as exc:
            form.add_error("email", exc.message)
        else:
            return render_page(
                request,
                "link_sent",
                {"email": form.cleaned_data["email"], "minutes": services._minutes()},
            )
    return render_page(request, "sign_in", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST signs in: mail scanners open every link in a message, and a
    GET must not use up the link before its owner clicks."""
    if request.method == "GET":
        account = links.account_for_token(token)
        if account is None:
            return _bad_link(request)
        return render_page(request, "sign_in_link", {"account": account})
    try:
        contact = services.portal_sign_in(token=token)
    except services.BadLink:
        return _bad_link(request)
    request.session.cycle_key()
    request.session[SESSION_KEY] = contact.pk
    messages.success(request, f"Welcome, {contact.first_name}. You are signed in.")
    return redirect("portal:home")


def _bad_link(request: HttpRequest) -> HttpResponse:
    message = services.BAD_LINK.format(minutes=services._minutes())
    return render_page(request, "sign_in", {"form": SignInForm(), "problem": message}, status=400)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    messages.success(request, "You are signed out.")
    return redirect("portal:sign-in")


# --- the contact ------------------------------------------------------------------------------


@require_GET
@contact_required
def home(request: HttpRequest) -> HttpResponse:
    affiliations = list(selectors.affiliations_of(request.portal_contact))  # type: ignore[attr-defined]
    if len(affiliations) == 1:
        return redirect("portal:organization", organization_id=affiliations[0].organization_id)
    return render_page(request, "home", {"affiliations": affiliations})


@require_http_methods(["GET", "POST"])
@contact_required
def my_details(request: HttpRequest) -> HttpResponse:
    contact: Contact = request.portal_contact  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        form = DetailsForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.portal_contact_update(contact=contact, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Your details are saved.")
                return redirect("portal:me")
    else:
        form = DetailsForm(
            initial={
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "phone": contact.phone,
                "title": contact.title,
            }
        )
    registrations = [
        (registration, registrant_may_cancel(registration))
        for registration in Registration.objects.filter(
            contact=contact, event__starts_at__gte=timezone.now()
        )
        .select_related("event", "ticket_type")
        .order_by("event__starts_at", "pk")
    ]
    return render_page(
        request,
        "me",
        {
            "form": form,
            "registrations": registrations,
            "affiliations": selectors.affiliations_of(contact),
        },
        status=status,
    )


@require_POST
@contact_required
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    contact: Contact = request.portal_contact  # type: ignore[attr-defined]
    registration = (
        Registration.objects.select_related("event").filter(contact=contact, pk=pk).first()
    )
    if registration is None:
        raise Http404
    try:
        services.portal_registration_cancel(registration=registration, by_contact=contact)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Your registration for {registration.event.title} is cancelled.")
    return redirect("portal:me")
