"""Renewing. Automatic renewal for the billing contact and the primary representative: the
saved card or bank account (saved on Stripe's own page, Checkout in setup mode, so card data
never reaches us) and the auto-renew switch. The primary representative's acceptance of a
pledge's renewal proposal."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from billing.gateways import stripe_configured
from billing.money import format_usd
from billing.selectors import saved_payment_method_of
from core.exceptions import ServiceError
from crm.models import Affiliation
from portal import payment_services, selectors
from portal.permissions import Can
from portal.views.base import org_context, organization_page, render_page


def _back(affiliation: Affiliation) -> HttpResponse:
    return redirect("portal:payment-method", organization_id=affiliation.organization_id)


@require_GET
@organization_page(Can.BILLING)
def payment_method(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    context = org_context(affiliation, "payment")
    context["saved"] = saved_payment_method_of(affiliation.organization_id)
    context["membership"] = selectors.current_membership(affiliation.organization)
    context["online"] = stripe_configured()
    return render_page(request, "payment_method", context)


@require_POST
@organization_page(Can.BILLING)
def payment_method_setup(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    organization_id = affiliation.organization_id
    saved = request.build_absolute_uri(
        reverse("portal:payment-method-saved", args=[organization_id])
    )
    back = request.build_absolute_uri(reverse("portal:payment-method", args=[organization_id]))
    try:
        session = payment_services.portal_payment_method_setup(
            organization=affiliation.organization,
            by_contact=request.portal_contact,  # type: ignore[attr-defined]
            # Stripe puts the Checkout's id in place of {CHECKOUT_SESSION_ID}.
            success_url=f"{saved}?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=back,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _back(affiliation)
    # A page with the link rather than a redirect: the portal's pages allow forms to post only
    # to this site (Content-Security-Policy form-action), which covers a form's redirect too.
    context = org_context(affiliation, "payment")
    context["url"] = session.url
    return render_page(request, "payment_method_continue", context)


@require_GET
@organization_page(Can.BILLING)
def payment_method_saved(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    """Where Stripe sends the payer back once the card or bank account is saved."""
    try:
        saved = payment_services.portal_payment_method_saved(
            organization=affiliation.organization,
            session_id=request.GET.get("session_id", ""),
            by_contact=request.portal_contact,  # type: ignore[attr-defined]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if saved is None:
            messages.info(
                request, "Stripe has not confirmed the payment method yet: look again in a minute."
            )
        else:
            messages.success(request, f"{saved} is saved for automatic renewal.")
    return _back(affiliation)


@require_POST
@organization_page(Can.BILLING)
def auto_renew(request: HttpRequest, affiliation: Affiliation) -> HttpResponse:
    membership = selectors.current_membership(affiliation.organization)
    enabled = request.POST.get("auto_renew") == "on"
    if membership is None:
        messages.error(request, f"{affiliation.organization.name} has no membership to renew.")
        return _back(affiliation)
    try:
        payment_services.portal_auto_renew_set(
            membership=membership,
            enabled=enabled,
            by_contact=request.portal_contact,  # type: ignore[attr-defined]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "Automatic renewal is on: the renewal is charged to the saved payment method."
            if enabled
            else "Automatic renewal is off: the renewal invoice is emailed to pay.",
        )
    return _back(affiliation)


@require_POST
@organization_page(Can.RENEW_PLEDGE)
def pledge_renewal_accept(request: HttpRequest, affiliation: Affiliation, pk: int) -> HttpResponse:
    proposal = selectors.renewal_proposals_of(affiliation.organization).filter(pk=pk).first()
    if proposal is None:  # another organization's, decided already, or none
        raise Http404
    try:
        pledge = payment_services.portal_pledge_renewal_accept(
            proposal=proposal,
            by_contact=request.portal_contact,  # type: ignore[attr-defined]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Thank you: your {pledge.level} pledge of {format_usd(pledge.annual_amount)} a year "
            f"from {pledge.start_date:%B} {pledge.start_date.day}, {pledge.start_date.year} is "
            "confirmed. Its installments are invoiced as they come due.",
        )
    return redirect("portal:organization", organization_id=affiliation.organization_id)
