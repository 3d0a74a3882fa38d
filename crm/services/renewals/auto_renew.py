"""The auto-renew switch of a membership: on, the daily run charges the renewal invoice to the
payment method the organization saved with Stripe (billing's SavedPaymentMethod); off, the
invoice is mailed to pay. It is switched on only with a saved payment method."""

from typing import Any

from billing.selectors import saved_payment_method_of
from core.exceptions import InvalidData
from core.services import atomic, set_change_reason, with_history_user
from crm.models import Membership


def membership_auto_renew_set(
    *, membership: Membership, enabled: bool, by: Any = None, reason: str
) -> Membership:
    """Switch automatic renewal on or off (the same switch again changes nothing). Turning it
    on needs a saved card or bank account; the change and `reason` go in the history."""
    with atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.auto_renew == enabled:
            return locked
        if enabled and saved_payment_method_of(locked.organization_id) is None:
            raise InvalidData(
                "Automatic renewal needs a saved card or bank account: save one first.",
                field="auto_renew",
            )
        locked.auto_renew = enabled
        with_history_user(locked, by)
        set_change_reason(
            locked, f"automatic renewal turned {'on' if enabled else 'off'}: {reason}"
        )
        locked.save()
    return locked
