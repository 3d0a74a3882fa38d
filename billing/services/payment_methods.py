"""The payment method an organization saves for automatic renewal, through Stripe Checkout in
setup mode: the payer types the card or bank account on Stripe's page, Stripe keeps it on the
organization's customer, and we record which one it is (brand and last four digits) and make
it the customer's default, the one `invoice_charge_automatically` charges. The return page and
the `checkout.session.completed` webhook both record it; whichever comes second changes
nothing."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.gateways import GatewayError, get_gateway
from billing.gateways.base import CheckoutSession
from billing.models import SavedPaymentMethod
from billing.services.common import stripe_customer
from core.exceptions import ServiceError
from core.services import set_change_reason, with_history_user
from crm.models import Organization

PURPOSE = "save_payment_method"


def payment_method_setup_start(
    *,
    organization: Organization,
    email: str,
    success_url: str,
    cancel_url: str,
    by: Any = None,
) -> CheckoutSession:
    """Start a Checkout in setup mode for the organization; the payer is sent to its `url`.
    `success_url` should hold `{CHECKOUT_SESSION_ID}`, which Stripe fills in."""
    gateway = get_gateway()
    if not gateway.is_remote:
        raise ServiceError(
            "Saving a card or bank account needs online payments (Stripe), which the Alliance "
            "has not set up: it sends an invoice to pay at each renewal instead."
        )
    try:
        customer_id = stripe_customer(organization, email=email)
        return gateway.create_setup_session(
            customer_id=customer_id,
            success_url=success_url,
            cancel_url=cancel_url,
            # A new page at Stripe for each press of the button (one may have expired).
            idempotency_key=f"organization-{organization.pk}-setup-{timezone.now().timestamp()}",
            metadata={"organization_id": str(organization.pk), "purpose": PURPOSE},
        )
    except GatewayError as exc:
        raise ServiceError(f"{exc.message} Please try again in a few minutes.") from exc


def payment_method_save_from_checkout(
    *, session_id: str, organization: Organization | None = None, by: Any = None
) -> SavedPaymentMethod | None:
    """Record the payment method a completed setup Checkout saved, and make it the Stripe
    customer's default. `organization`, when given (the return page), must be the one the
    Checkout was started for. None while the Checkout is not complete; the same record when
    it was recorded already."""
    try:
        session = get_gateway().retrieve_setup_session(session_id)
    except GatewayError as exc:
        raise ServiceError(f"{exc.message} Please try again in a few minutes.") from exc
    owner = session.metadata.get("organization_id", "")
    if session.mode != "setup" or session.metadata.get("purpose") != PURPOSE or not owner:
        raise ServiceError(f"Checkout {session_id} is not one that saves a payment method.")
    if organization is not None and owner != str(organization.pk):
        raise ServiceError(f"Checkout {session_id} is not one that saves a payment method.")
    method = session.payment_method
    if session.status != "complete" or method is None:
        return None
    try:
        get_gateway().set_default_payment_method(
            session.customer_id,
            method.id,
            idempotency_key=f"organization-{owner}-default-{method.id}",
        )
    except GatewayError as exc:
        raise ServiceError(f"{exc.message} Please try again in a few minutes.") from exc
    with transaction.atomic():
        target = Organization.objects.select_for_update().get(pk=int(owner))
        saved = SavedPaymentMethod.objects.filter(organization=target).first()
        if saved is not None and saved.stripe_payment_method_id == method.id:
            return saved
        saved = saved or SavedPaymentMethod(organization=target)
        saved.stripe_payment_method_id = method.id
        saved.kind = (
            method.kind
            if method.kind in SavedPaymentMethod.Kind.values
            else SavedPaymentMethod.Kind.CARD
        )
        saved.brand = method.brand[:50]
        saved.last4 = method.last4[:4]
        saved.exp_month = method.exp_month
        saved.exp_year = method.exp_year
        saved.saved_at = timezone.now()
        with_history_user(saved, by)
        set_change_reason(saved, f"saved on Stripe (checkout {session_id})")
        saved.save()
    return saved
