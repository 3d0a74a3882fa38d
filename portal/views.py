"""The portal's pages: thin views over portal.services, portal.selectors and billing's
documents. Every organization page starts with permissions.access(), which answers the same
404 for an organization the contact is not at as for one that does not exist; records are then
looked up within that organization only, so another organization's invoice is a 404 too."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import documents
from core.exceptions import ServiceError
from crm.models import Affiliation, Contact
from crm.services.renewals import plan_change_preview
from events.models import Registration
from events.services.registrations.cancelling import registrant_may_cancel
from outreach.net import client_address
from portal import links, selectors, services
from portal.forms import DetailsForm, DirectoryForm, InviteForm, SignInForm
from portal.models import PortalAccount
from portal.permissions import Can, access, may

SESSION_KEY = "portal_contact_id"
View = Callable[..., HttpResponse]


def signed_in_contact(request: HttpRequest) -> Contact | None:
    """The contact of the portal session: None when nobody signed in, or when the contact's
    portal user has since been deactivated or made staff (that ends the session)."""
    pk = request.session.get(SESSION_KEY)
    if pk is None:
        return None
    account = (
        PortalAccount.objects.select_related("contact")
        .filter(
            contact_id=pk,
            user__is_active=True,
            user__is_staff=False,
            user__is_superuser=False,
        )
        .first()
    )
    if account is None:
        request.session.pop(SESSION_KEY, None)
        return None
    return account.contact


def contact_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = signed_in_contact(request)
        if contact is None:
            return redirect("portal:sign-in")
        request.portal_contact = contact  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    contact = getattr(request, "portal_contact", None)
    return render(
        request,
        f"portal/{template}.html",
        {"portal_contact": contact, **context},
        status=status,
    )


# --- signing in and out -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        if signed_in_contact(request) is not None:
            return redirect("portal:home")
        return _page(request, "sign_in", {"form": SignInForm()})
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
            return _page(
                request,
                "link_sent",
                {"email": form.cleaned_data["email"], "minutes": services._minutes()},
            )
    return _page(request, "sign_in", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST signs in: mail scanners open every link in a message, and a
    GET must not use up the link before its owner clicks."""
    if request.method == "GET":
        account = links.account_for_token(token)
        if account is None:
            return _bad_link(request)
        return _page(request, "sign_in_link", {"account": account})
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
    return _page(request, "sign_in", {"form": SignInForm(), "problem": message}, status=400)


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
    return _page(request, "home", {"affiliations": affiliations})


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
    return _page(
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


# --- an organization --------------------------------------------------------------------------


def _organization_page(what: Can) -> Callable[[View], View]:
    """The view runs only for a signed-in contact who may do `what` at the organization of
    the URL; it receives the contact's affiliation there."""

    def decorate(view: View) -> View:
        @contact_required
        @wraps(view)
        def wrapped(request: HttpRequest, organization_id: int, **kwargs: Any) -> HttpResponse:
            try:
                affiliation = access(request.portal_contact, organization_id, what)  # type: ignore[attr-defined]
            except PermissionDenied as exc:
                return _page(request, "forbidden", {"message": str(exc)}, status=403)
            return view(request, affiliation, **kwargs)

        return wrapped

    return decorate


def _org_context(affiliation: Affiliation, tab: str) -> dict[str, Any]:
    return {
        "tab": tab,
        "affiliation": affiliation,
        "organization": affiliation.organization,
        "may_bill": may(affiliation, Can.BILLING),
        "may_colleagues": may(affiliation, Can.COLLEAGUES),
        "may_directory": may(affiliation, Can.DIRECTORY),
        "may_plan": may(affiliation, Can.PLAN),
    }


@require_GET
@_organization_page(Can.VIEW)
def organization(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    context = _org_context(affiliation, "glance")
    context["glance"] = selectors.glance(affiliation.organization, with_money=context["may_bill"])
    return _page(request, "organization", context)


@require_GET
@_organization_page(Can.BILLING)
def invoices(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    context = _org_context(affiliation, "invoices")
    context["invoices"] = selectors.invoices_of(affiliation.organization)
    return _page(request, "invoices", context)


def _document(
    request: HttpRequest,
    affiliation: Affiliation,
    record: Any,
    render: Callable[[], bytes],
    filename: str,
    back: str = "portal:invoices",
) -> HttpResponse:
    """The PDF of `record` (None: another organization's or a missing one, 404), or the page
    `back` with the reason there is none (a receipt of a failed payment...)."""
    if record is None:
        raise Http404
    try:
        pdf = render()
    except documents.DocumentUnavailable as exc:
        messages.error(request, exc.message)
        return redirect(back, organization_id=affiliation.organization_id)
    response = HttpResponse(pdf, content_type=documents.PDF)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@_organization_page(Can.BILLING)
def invoice_pdf(request: HttpRequest, affiliation: Affiliation, pk: int) -> HttpResponse:
    invoice = selectors.invoice_of(affiliation.organization, pk)
    return _document(
        request,
        affiliation,
        invoice,
        lambda: documents.invoice_pdf(invoice=invoice),  # type: ignore[arg-type]
        f"invoice-{invoice and invoice.number}.pdf",
    )


@require_GET
@_organization_page(Can.BILLING)
def receipt_pdf(request: HttpRequest, affiliation: Affiliation, pk: int) -> HttpResponse:
    payment = selectors.payment_of(affiliation.organization, pk)
    return _document(
        request,
        affiliation,
        payment,
        lambda: documents.receipt_pdf(payment=payment),  # type: ignore[arg-type]
        f"receipt-{pk}.pdf",
    )


@require_GET
@_organization_page(Can.BILLING)
def statement(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    context = _org_context(affiliation, "statement")
    context["statement"] = selectors.statement(affiliation.organization, today=timezone.localdate())
    return _page(request, "statement", context)


@require_GET
@_organization_page(Can.BILLING)
def dues_statement_pdf(request: HttpRequest, affiliation: Affiliation, year: int) -> HttpResponse:
    organization = affiliation.organization
    return _document(
        request,
        affiliation,
        organization,
        lambda: documents.annual_statement_pdf(organization=organization, year=year),
        f"dues-statement-{year}.pdf",
        back="portal:statement",
    )


# --- colleagues -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_organization_page(Can.COLLEAGUES)
def colleagues(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    organization = affiliation.organization
    status = 200
    form = InviteForm()
    if request.method == "POST":
        form = InviteForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.portal_colleague_invite(
                    organization=organization,
                    by_contact=request.portal_contact,  # type: ignore[attr-defined]
                    **form.cleaned_data,
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    f"{form.cleaned_data['email']} is invited: we sent them a sign-in link.",
                )
                return redirect("portal:colleagues", organization_id=organization.pk)
    context = _org_context(affiliation, "colleagues")
    context["form"] = form
    context["colleagues"] = (
        Affiliation.objects.filter(organization=organization)
        .select_related("contact")
        .order_by("-is_primary", "contact__last_name", "contact__first_name", "pk")
    )
    return _page(request, "colleagues", context, status=status)


def _colleague(affiliation: Affiliation, pk: int) -> Affiliation:
    found = (
        Affiliation.objects.select_related("contact", "organization")
        .filter(organization_id=affiliation.organization_id, pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _colleague_action(
    request: HttpRequest,
    affiliation: Affiliation,
    pk: int,
    act: Callable[..., Any],
    done: str,
    back: str,
) -> HttpResponse:
    colleague = _colleague(affiliation, pk)
    try:
        act(affiliation=colleague, by_contact=request.portal_contact)  # type: ignore[attr-defined]
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(name=colleague.contact.full_name))
    return redirect(back, organization_id=affiliation.organization_id)


@require_POST
@_organization_page(Can.COLLEAGUES)
def colleague_remove(request: HttpRequest, affiliation: Affiliation, pk: int) -> HttpResponse:
    return _colleague_action(
        request,
        affiliation,
        pk,
        services.portal_colleague_remove,
        "{name} is no longer listed at this organization.",
        "portal:colleagues",
    )


@require_POST
@_organization_page(Can.COLLEAGUES)
def colleague_make_primary(request: HttpRequest, affiliation: Affiliation, pk: int) -> HttpResponse:
    return _colleague_action(
        request,
        affiliation,
        pk,
        services.portal_primary_move,
        "{name} is now the primary representative.",
        "portal:organization",
    )


# --- the directory listing --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_organization_page(Can.DIRECTORY)
def directory(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    organization = affiliation.organization
    status = 200
    if request.method == "POST":
        form = DirectoryForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.portal_directory_update(
                    organization=organization,
                    listed=form.cleaned_data["directory_listed"],
                    text=form.cleaned_data["directory_text"],
                    by_contact=request.portal_contact,  # type: ignore[attr-defined]
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Your directory listing is saved.")
                return redirect("portal:directory", organization_id=organization.pk)
    else:
        form = DirectoryForm(
            initial={
                "directory_listed": organization.directory_listed,
                "directory_text": organization.directory_text,
            }
        )
    context = _org_context(affiliation, "directory")
    context["form"] = form
    context["is_member"] = selectors.is_current_member(organization)
    return _page(request, "directory", context, status=status)


# --- the plan ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_organization_page(Can.PLAN)
def plan(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    organization = affiliation.organization
    membership = selectors.current_membership(organization)
    context = _org_context(affiliation, "plan")
    context["membership"] = membership
    if membership is None or not membership.is_current or membership.paid_through is None:
        context["options"] = []
        return _page(request, "plan", context)
    plans = selectors.plans_to_change_to(membership)
    if request.method == "POST":
        choice = request.POST.get("plan") or ""
        valid = choice.isdigit() and len(choice) <= 12
        chosen = plans.filter(pk=int(choice)).first() if valid else None
        if chosen is None:
            messages.error(request, "Choose one of the plans below.")
            return redirect("portal:plan", organization_id=organization.pk)
        try:
            change = services.portal_plan_change(
                membership=membership,
                plan=chosen,
                by_contact=request.portal_contact,  # type: ignore[attr-defined]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("portal:plan", organization_id=organization.pk)
        if change.invoice is not None:
            done = (
                f"You are now on the {chosen} plan. Invoice {change.invoice.number} for the "
                "rest of the year is under Invoices and payments."
            )
        else:
            done = (
                f"Your membership moves to the {chosen} plan at the renewal on "
                f"{change.effective_date:%B %-d, %Y}."
            )
        messages.success(request, done)
        return redirect("portal:organization", organization_id=organization.pk)
    options = []
    for option in plans:
        try:
            options.append(plan_change_preview(membership=membership, plan=option))
        except ServiceError:
            continue  # a plan that cannot price this organization is not offered to it
    context["options"] = options
    context["pending"] = selectors.pending_plan_change(membership)
    return _page(request, "plan", context)
