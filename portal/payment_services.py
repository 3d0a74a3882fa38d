"""The portal's writes for renewing. Automatic renewal of the membership: saving a card or bank
account through Stripe Checkout in setup mode (billing's services, which go through the
gateway) and the auto-renew switch (crm's `membership_auto_renew_set`, the service staff use),
done by the billing contact or the primary representative. And a pledge's renewal proposal,
accepted by the primary representative through the service staff use
(`pledge_renewal_accept`). The history names the contact's portal login."""

from typing import Any

from billing.gateways.base import CheckoutSession
from billing.models import SavedPaymentMethod
from billing.services import payment_method_save_from_checkout, payment_method_setup_start
from core.audit import audit_source
from crm.models import Contact, Membership, Organization, Pledge, PledgeRenewalProposal
from crm.services.renewals import membership_auto_renew_set, pledge_renewal_accept
from portal.services import as_portal_contact, portal_account


def _portal_user(contact: Contact) -> Any:
    return portal_account(contact).user


def portal_payment_method_setup(
    *, organization: Organization, by_contact: Contact, success_url: str, cancel_url: str
) -> CheckoutSession:
    """Start Stripe's page where the contact saves a card or bank account for the
    organization; the caller sends them to its `url`."""
    # No transaction around the call to Stripe.
    with audit_source(f"Member portal, {by_contact.full_name}"):
        return payment_method_setup_start(
            organization=organization,
            email=by_contact.email,
            success_url=success_url,
            cancel_url=cancel_url,
            by=_portal_user(by_contact),
        )


def portal_payment_method_saved(
    *, organization: Organization, session_id: str, by_contact: Contact
) -> SavedPaymentMethod | None:
    """Stripe sent the contact back: record what they saved (None while Stripe has not
    finished; the webhook records it then). A Checkout of another organization is refused."""
    with audit_source(f"Member portal, {by_contact.full_name}"):
        return payment_method_save_from_checkout(
            session_id=session_id, organization=organization, by=_portal_user(by_contact)
        )


def portal_auto_renew_set(
    *, membership: Membership, enabled: bool, by_contact: Contact
) -> Membership:
    """Switch automatic renewal on (needs a saved payment method) or off."""
    with as_portal_contact(by_contact) as by:
        return membership_auto_renew_set(
            membership=membership,
            enabled=enabled,
            by=by,
            reason=f"by {by_contact.full_name} in the member portal",
        )


def portal_pledge_renewal_accept(*, proposal: PledgeRenewalProposal, by_contact: Contact) -> Pledge:
    """The primary representative takes the proposed renewal: the next pledge is made and
    confirmed (its installments invoiced as they come due), as when staff accept it."""
    with as_portal_contact(by_contact) as by:
        return pledge_renewal_accept(proposal=proposal, by=by)
