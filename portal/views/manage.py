"""What the primary representative manages: colleagues (invite, remove, the primary role),
the directory listing and the plan."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ServiceError
from crm.directory import logo_path
from crm.models import Affiliation
from crm.selectors import organization_pending_affiliations
from crm.services.renewals import plan_change_preview
from portal import selectors, services
from portal.directory import needs_review, pending_directory_change, portal_directory_update
from portal.forms import DirectoryForm, InviteForm
from portal.models import DirectoryChange
from portal.permissions import Can
from portal.views.base import (
    org_context,
    organization_page,
    render_page,
)

# --- colleagues -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@organization_page(Can.COLLEAGUES)
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
    context = org_context(affiliation, "colleagues")
    context["form"] = form
    context["colleagues"] = (
        Affiliation.objects.filter(organization=organization, status=Affiliation.Status.CONFIRMED)
        .select_related("contact")
        .order_by("-is_primary", "contact__last_name", "contact__first_name", "pk")
    )
    context["pending"] = organization_pending_affiliations(organization)
    return render_page(request, "colleagues", context, status=status)


def _colleague(affiliation: Affiliation, pk: int, status: str) -> Affiliation:
    """The organization's affiliation `pk` in `status` (confirmed colleagues, or links waiting
    for confirmation): another organization's, or one in the other status, is a 404."""
    found = (
        Affiliation.objects.select_related("contact", "organization")
        .filter(organization_id=affiliation.organization_id, pk=pk, status=status)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _colleague_view(
    act: Callable[..., Any],
    done: str,
    back: str,
    status: str = Affiliation.Status.CONFIRMED,
) -> Callable[..., HttpResponse]:
    """A primary representative's step on a colleague (`act`, a portal service taking the
    colleague's affiliation and the acting contact), then back to the page `back`."""

    @require_POST
    @organization_page(Can.COLLEAGUES)
    def view(request: HttpRequest, affiliation: Affiliation, pk: int) -> HttpResponse:
        colleague = _colleague(affiliation, pk, status)
        try:
            act(affiliation=colleague, by_contact=request.portal_contact)  # type: ignore[attr-defined]
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done.format(name=colleague.contact.full_name))
        return redirect(back, organization_id=affiliation.organization_id)

    return view


colleague_remove = _colleague_view(
    services.portal_colleague_remove,
    "{name} is no longer listed at this organization.",
    "portal:colleagues",
)
colleague_make_primary = _colleague_view(
    services.portal_primary_move,
    "{name} is now the primary representative.",
    "portal:organization",
)
colleague_confirm = _colleague_view(
    services.portal_colleague_confirm,
    "{name} is confirmed as one of this organization's people.",
    "portal:colleagues",
    Affiliation.Status.PENDING,
)
colleague_decline = _colleague_view(
    services.portal_colleague_decline,
    "{name} is not linked to this organization any more.",
    "portal:colleagues",
    Affiliation.Status.PENDING,
)


# --- the directory listing --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@organization_page(Can.DIRECTORY)
def directory(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    organization = affiliation.organization
    status = 200
    if request.method == "POST":
        form = DirectoryForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            try:
                saved = portal_directory_update(
                    organization=organization,
                    listing=form.listing(),
                    by_contact=request.portal_contact,  # type: ignore[attr-defined]
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    "Your directory listing is saved: the Alliance's staff review it before "
                    "it appears in the directory."
                    if isinstance(saved, DirectoryChange)
                    else "Your directory listing is saved.",
                )
                return redirect("portal:directory", organization_id=organization.pk)
    else:
        form = DirectoryForm(initial=DirectoryForm.initial_for(organization))
    context = org_context(affiliation, "directory")
    context["form"] = form
    context["is_member"] = selectors.is_current_member(organization)
    context["pending"] = pending_directory_change(organization)
    context["needs_review"] = needs_review()
    context["logo_url"] = logo_path(organization)
    context["logo_max_kb"] = settings.DIRECTORY_LOGO_MAX_BYTES // 1024
    return render_page(request, "directory", context, status=status)


# --- the plan ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@organization_page(Can.PLAN)
def plan(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    organization = affiliation.organization
    membership = selectors.current_membership(organization)
    context = org_context(affiliation, "plan")
    context["membership"] = membership
    if membership is None or not membership.is_current or membership.paid_through is None:
        context["options"] = []
        return render_page(request, "plan", context)
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
    return render_page(request, "plan", context)
