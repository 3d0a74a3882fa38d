"""Events from the portal: the events open for registration, registering oneself (anyone at
the organization) or colleagues (its event contact and primary representative) at the member
price, and the organization's registrations with their cancel buttons."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ServiceError
from crm.models import Affiliation, Contact
from events.services.registrations import registrant_may_cancel
from portal import selectors, services
from portal.event_services import portal_event_register
from portal.forms import EventRegisterForm
from portal.permissions import NEEDS, Can, may
from portal.views.base import org_context, organization_page, render_page


@require_GET
@organization_page(Can.VIEW)
def events(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    contact: Contact = request.portal_contact  # type: ignore[attr-defined]
    everyone = may(affiliation, Can.REGISTER_COLLEAGUES)
    context = org_context(affiliation, "events")
    context["events"] = selectors.events_open_for_registration()
    context["is_member"] = selectors.is_current_member(affiliation.organization)
    context["registrations"] = [
        (
            registration,
            registrant_may_cancel(registration)
            and (everyone or registration.contact_id == contact.pk),
        )
        for registration in selectors.registrations_of(
            affiliation.organization, contact=None if everyone else contact
        )
    ]
    return render_page(request, "events", context)


@require_http_methods(["GET", "POST"])
@organization_page(Can.VIEW)
def event_register(request: HttpRequest, affiliation: Affiliation, pk: int) -> HttpResponse:
    contact: Contact = request.portal_contact  # type: ignore[attr-defined]
    organization = affiliation.organization
    event = selectors.event_for_registration(pk)
    if event is None:
        raise Http404
    everyone = may(affiliation, Can.REGISTER_COLLEAGUES)
    people = [
        colleague.contact
        for colleague in selectors.registering_colleagues(organization)
        if everyone or colleague.contact_id == contact.pk
    ]
    status = 200
    if request.method == "POST":
        if not everyone and set(request.POST.getlist("contacts")) - {str(contact.pk)}:
            return _forbidden(request, affiliation, "registers colleagues")
        form = EventRegisterForm(request.POST, event=event, people=people, me=contact)
        status = 400
        if form.is_valid():
            try:
                made = portal_event_register(
                    organization=organization,
                    event=event,
                    ticket_type=form.cleaned_data["ticket_type"],
                    contacts=form.cleaned_data["contacts"],
                    by_contact=contact,
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                names = ", ".join(r.contact.full_name for r in made)
                messages.success(request, f"Registered for {event.title}: {names}.")
                return redirect("portal:events", organization_id=organization.pk)
    else:
        form = EventRegisterForm(
            event=event, people=people, me=contact, initial={"contacts": [str(contact.pk)]}
        )
    context = org_context(affiliation, "events")
    context.update(
        event=event,
        form=form,
        everyone=everyone,
        is_open=event.registration_open_at(timezone.now()),
    )
    return render_page(request, "event_register", context, status=status)


@require_POST
@organization_page(Can.VIEW)
def event_registration_cancel(
    request: HttpRequest, affiliation: Affiliation, pk: int
) -> HttpResponse:
    contact: Contact = request.portal_contact  # type: ignore[attr-defined]
    organization = affiliation.organization
    registration = selectors.registration_of(organization, pk)
    if registration is None:
        raise Http404
    if registration.contact_id != contact.pk and not may(affiliation, Can.REGISTER_COLLEAGUES):
        return _forbidden(request, affiliation, "cancels a colleague's registration")
    try:
        services.portal_registration_cancel(
            registration=registration, by_contact=contact, colleague_of=affiliation
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"The registration of {registration.contact.full_name} for "
            f"{registration.event.title} is cancelled.",
        )
    return redirect("portal:events", organization_id=organization.pk)


def _forbidden(request: HttpRequest, affiliation: Affiliation, does: str) -> HttpResponse:
    who = NEEDS[Can.REGISTER_COLLEAGUES]
    message = f"Only {who} of {affiliation.organization.name} {does}."
    return render_page(request, "forbidden", {"message": message}, status=403)
