"""The auto-renew switch of a membership: on, the daily run charges the renewal invoice to the
payment method the organization saved with Stripe (billing's SavedPaymentMethod); off, the
invoice is mailed to pay. It is switched on only with a saved payment method, whoever asks: the
member in the portal, staff in the admin or the staff API (membership_update and
membership_create call the same rule)."""

from typing import Any

from billing.selectors import saved_payment_method_of
from core.exceptions import InvalidData
from core.services import atomic, set_change_reason, with_history_user
from crm.models import Membership

NEEDS_SAVED_METHOD = "Automatic renewal needs a saved card or bank account: save one first."


def require_saved_payment_method(organization_id: int) -> None:
    """Refuse automatic renewal, naming the field, for an organization that has saved no card
    or bank account (the member saves one in the portal)."""
    if saved_payment_method_of(organization_id) is None:
        raise InvalidData(NEEDS_SAVED_METHOD, field="auto_renew")


def membership_auto_renew_set(
    *, membership: Membership, enabled: bool, by: Any = None, reason: str
) -> Membership:
    """Switch automatic renewal on or off (the same switch again changes nothing). Turning it
    on needs a saved card or bank account; the change and `reason` go in the history."""
    with atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.auto_renew == enabled:
            return locked
        if enabled:
            require_saved_payment_method(locked.organization_id)
        locked.auto_renew = enabled
        with_history_user(locked, by)
        set_change_reason(
            locked, f"automatic renewal turned {'on' if enabled else 'off'}: {reason}"
        )
        locked.save()
    return locked
