"""What billing calls when an invoice with registration lines is paid or refunded in full
(billing.effects): the registration is confirmed, or cancelled. Registered when the events app
is ready, so billing never imports events."""

from typing import Any

from billing.effects import register_paid_handler, register_reversal_handler
from core.exceptions import TransitionNotAllowed
from events.models import Registration
from events.services.billing import mail_registration
from events.services.registrations import registration_cancel, registration_confirm_payment


def registrations_paid(*, invoice: Any, lines: list[Any], by: Any) -> list[str]:
    outcomes = []
    for line in lines:
        registration = registration_confirm_payment(registration=line.registration, by=by)
        if registration.status == Registration.Status.CONFIRMED:
            outcomes.append(f"Registration {registration.reference} confirmed.")
            mail_registration(registration, "registration_confirmed")
        else:
            outcomes.append(f"Registration {registration.reference}: {registration.status_reason}")
    return outcomes


def registrations_refunded(*, invoice: Any, lines: list[Any], by: Any) -> list[str]:
    outcomes = []
    for line in lines:
        try:
            registration = registration_cancel(
                registration=line.registration,
                reason=f"Refunded in full (invoice {invoice.number}).",
                by=by,
                refund=False,
            )
        except TransitionNotAllowed as exc:
            outcomes.append(f"Registration {line.registration.reference}: {exc.message}")
            continue
        outcomes.append(f"Registration {registration.reference} cancelled.")
    return outcomes


def register_billing_handlers() -> None:
    register_paid_handler("registration", registrations_paid)
    register_reversal_handler("registration", registrations_refunded)
