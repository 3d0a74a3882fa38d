"""The public pages that take a form: joining, an event and registering for it, and where an
application or a registration stands. They are rendered on the server from what the public API
answers (its own serializers), so they work without JavaScript; the scripts improve them (the
live quote, errors as one types, no page reload) and post to the API as the chamber's website does.

A form posted without JavaScript is checked by the API's own input serializer and handed to the
same service, with the same arguments, as the API view: there is no second path. It is posted,
never sent by GET (a name and email would land in the address bar and the server's log), and
answered with a redirect to the new record's page (a reload does not post it again), or with the
page again, what was typed kept and each error beside its field.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse

from api.serializers import public_join as joining
from api.serializers.public_events import (
    EventSerializer,
    RegistrationInputSerializer,
    RegistrationSerializer,
)
from api.throttling import PublicRateThrottle
from api.views.public_events import register_from_website
from core.exceptions import ServiceError
from crm import pricing, selectors
from crm.services.applications import application_invoice, application_submit
from crm.views import PublicPage
from events import selectors as event_selectors
from events.models import Registration
from events.services import registration_cancel, registration_verify

TOO_MANY = "Too many requests from your address. Wait a minute and try again."


def form_data(post: QueryDict) -> dict[str, Any]:
    """A posted form as the API's JSON body, as static/js/forms.js builds it: a name like
    "organization.address.city" nests, empty fields are left out (the API fills its defaults)."""
    body: dict[str, Any] = {}
    for name in post:
        value = str(post.get(name, "")).strip()
        if name == "csrfmiddlewaretoken" or value == "":
            continue
        *path, last = name.split(".")
        node = body
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return body


def flat_errors(errors: Any, prefix: str = "") -> dict[str, str]:
    """The serializer's nested errors keyed by the fields' dotted names ("" for the form)."""
    if isinstance(errors, dict):
        flat: dict[str, str] = {}
        for key, value in errors.items():
            name = "" if key in ("non_field_errors", "detail") else key
            flat.update(
                flat_errors(value, f"{prefix}.{name}" if prefix and name else prefix or name)
            )
        return flat
    if isinstance(errors, list) and errors and not isinstance(errors[0], str):
        flat = {}
        for index, item in enumerate(errors):
            flat.update(flat_errors(item, f"{prefix}.{index}"))
        return flat
    return {prefix: " ".join(str(e) for e in errors)} if errors else {}


def see_other(url: str) -> HttpResponse:
    """303: the browser follows with a GET, so a reload shows the page instead of posting again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


class FormPage(PublicPage):
    """A page whose form is posted back to it; the context carries what was typed (`values`, by
    dotted name) and the errors (`errors`, "" for the whole form)."""

    def throttled(self, request: HttpRequest) -> bool:
        # The same budget per client address as the API the scripts post to.
        return not PublicRateThrottle().allow_request(request, self)  # type: ignore[arg-type]

    def again(self, errors: dict[str, str], **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        context.update(values=self.request.POST, errors=errors, summary=_summary(errors))
        return self.render_to_response(context, status=400)


def _summary(errors: dict[str, str]) -> str:
    return errors.get("") or "Please correct the fields marked below."


# --- joining ---------------------------------------------------------------------------------


class JoinPage(FormPage):
    template_name = "public/join.html"
    section = "join"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        plans = []
        for plan in selectors.plan_list_public():
            data = joining.PlanOut(plan).data
            data["proration_hint"] = pricing_hint(data)
            plans.append(data)
        chosen = self.request.POST.get("plan") or self.request.GET.get("plan", "")
        if not chosen and len(plans) == 1:
            chosen = plans[0]["code"]
        picked = next((p for p in plans if p["code"] == chosen), None)
        # What the chosen plan asks for (everything until one is chosen; the script follows
        # the choice).
        needs = {
            "organization": picked is None or picked["organization_required"],
            "employees": picked is None or picked["employees_required"],
        }
        return {
            **super().get_context_data(**kwargs),
            "plans": plans,
            "chosen_plan": chosen,
            "needs": needs,
        }

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.throttled(request):
            return self.again({"": TOO_MANY})
        form = joining.JoinIn(data=form_data(request.POST))
        if not form.is_valid():
            return self.again(flat_errors(form.errors))
        try:
            application = application_submit(**form.service_kwargs())
        except ServiceError as error:
            return self.again({error.field or "": error.message})
        status_page = reverse("join-status", args=[application.membership.reference])
        return see_other(f"{status_page}?new=1")


def pricing_hint(plan: dict[str, Any]) -> str:
    if plan["billing_cycle"] == "anniversary":
        hint = "Billed yearly from your start date."
    else:
        hint = {
            pricing.PRORATE_MONTHLY: "Calendar year; joining mid-year you pay only for the "
            "months left.",
            pricing.PRORATE_DAILY: "Calendar year; joining mid-year you pay only for the "
            "days left.",
        }.get(plan["pricing"]["proration"], "Calendar year; full dues whatever the start date.")
    if plan["requires_review"]:
        hint += " Applications are reviewed before the first invoice."
    return hint


class JoinStatusPage(PublicPage):
    template_name = "public/join_status.html"
    section = "join"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        membership = selectors.application_by_reference(kwargs["reference"])
        if membership is None:
            raise Http404("No application has this reference.")
        invoice = application_invoice(membership)
        data = joining.ApplicationStateOut(membership, context={"invoice": invoice}).data
        return {**super().get_context_data(**kwargs), "application": data}


# --- events ----------------------------------------------------------------------------------


class EventsPage(PublicPage):
    template_name = "public/events/list.html"
    section = "events"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        events = list(event_selectors.event_list_public())
        return {
            **super().get_context_data(**kwargs),
            "events": [(event, EventSerializer(event).data) for event in events],
        }


class EventPage(FormPage):
    template_name = "public/events/detail.html"
    section = "events"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        event = get_object_or_404(event_selectors.event_list_public(), slug=kwargs["slug"])
        data = EventSerializer(event).data
        chosen = self.request.POST.get("ticket_type") or next(
            (t["code"] for t in data["ticket_types"]), ""
        )
        return {
            **super().get_context_data(**kwargs),
            "event": event,
            "event_data": data,
            "chosen_ticket": chosen,
        }

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        if self.throttled(request):
            return self.again({"": TOO_MANY}, slug=slug)
        event = get_object_or_404(event_selectors.event_list_public(), slug=slug)
        body = form_data(request.POST)
        contact = body.get("contact", {})
        # The registrant is the first attendee, as the page's script sends it.
        body["attendees"] = [
            {k: contact[k] for k in ("first_name", "last_name", "email") if contact.get(k)}
        ]
        data = RegistrationInputSerializer(data=body)
        if not data.is_valid():
            errors = flat_errors(data.errors)
            # The registrant's own name is checked under "contact"; the copy is not news.
            return self.again(
                {k: v for k, v in errors.items() if not k.startswith("attendees")} or errors,
                slug=slug,
            )
        try:
            registration = register_from_website(request, event, data.validated_data)
        except ServiceError as error:
            return self.again({error.field or "": error.message}, slug=slug)
        return see_other(reverse("registration", args=[registration.reference]))


class RegistrationPage(FormPage):
    template_name = "public/events/registration.html"
    section = "events"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        registration = _registration(kwargs["reference"])
        return {
            **super().get_context_data(**kwargs),
            "registration": registration,
            "data": RegistrationSerializer(registration).data,
            "headline": HEADLINES.get(registration.status, registration.get_status_display()),
        }

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        """Cancel, as POST registrations/<reference>/cancel/ does."""
        if self.throttled(request):
            return self.again({"": TOO_MANY}, reference=reference)
        try:
            registration_cancel(
                registration=_registration(reference),
                reason="Cancelled by the registrant.",
                by_registrant=True,
            )
        except ServiceError as error:
            return self.again({"": error.message}, reference=reference)
        return see_other(reverse("registration", args=[reference]))


class ConfirmMembershipPage(PublicPage):
    """The membership confirmation link of a website registration. Opening it shows a button;
    only the button's POST confirms, so a mail scanner fetching the link does not use it up."""

    template_name = "public/events/confirm_membership.html"
    section = "events"

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            registration = registration_verify(token=token)
        except ServiceError as exc:
            context = {**self.get_context_data(token=token), "error": exc.message}
            return self.render_to_response(context, status=409)
        return see_other(reverse("registration", args=[registration.reference]))


HEADLINES: dict[str, str] = {
    Registration.Status.CONFIRMED: "You are registered",
    Registration.Status.PENDING_PAYMENT: "Your seats are held",
    Registration.Status.WAITLISTED: "You are on the waitlist",
    Registration.Status.CANCELLED: "This registration is cancelled",
    Registration.Status.CHECKED_IN: "You are checked in",
}


def _registration(reference: str) -> Registration:
    registration = event_selectors.registration_by_reference(reference)
    if registration is None:
        raise Http404("No registration has this reference.")
    return registration
