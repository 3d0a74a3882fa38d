"""Registrations: registering, the waitlist, paying, unpaid holds and cancelling.

A module each: `registering` (a registration made, or refused), `verifying` (a website
registration's membership claim confirmed through the mailed link), `confirming` (a payment
confirming it, the waitlist promoted into free seats), `cancelling` (cancelled, its money
settled, unpaid holds released). The capacity lock and seat count they share are in
events.services.common.
"""

from events.services.registrations.cancelling import (
    holds_expire,
    registrant_may_cancel,
    registration_cancel,
    settle_money,
)
from events.services.registrations.confirming import registration_confirm_payment, waitlist_promote
from events.services.registrations.registering import (
    AttendeeDetails,
    registration_contact,
    registration_create,
    registration_create_for_person,
)
from events.services.registrations.verifying import registration_verify

__all__ = [
    "AttendeeDetails",
    "holds_expire",
    "registrant_may_cancel",
    "registration_cancel",
    "registration_confirm_payment",
    "registration_contact",
    "registration_create",
    "registration_create_for_person",
    "registration_verify",
    "settle_money",
    "waitlist_promote",
]
