"""Every write to events, ticket types and registrations goes through these functions: the
admin, the staff API, the public API and the scheduled jobs all call them."""

from events.services.billing import (
    registration_invoice_open_new,
    registration_payment_send,
    registration_payment_start,
    registration_refund,
    registration_void_unpaid_invoice,
)
from events.services.catalog import (
    EventCancellation,
    event_cancel,
    event_publish,
    event_save,
    event_unpublish,
    ticket_type_delete,
    ticket_type_save,
)
from events.services.check_in import (
    door_payment_page,
    registration_check_in,
    registration_pay_at_door,
    registration_undo_check_in,
)
from events.services.registrations import (
    AttendeeDetails,
    holds_expire,
    registration_cancel,
    registration_confirm_payment,
    registration_contact,
    registration_create,
    registration_create_for_person,
    registration_verify,
    waitlist_promote,
)

__all__ = [
    "AttendeeDetails",
    "EventCancellation",
    "door_payment_page",
    "event_cancel",
    "event_publish",
    "event_save",
    "event_unpublish",
    "holds_expire",
    "registration_cancel",
    "registration_check_in",
    "registration_confirm_payment",
    "registration_contact",
    "registration_create",
    "registration_create_for_person",
    "registration_invoice_open_new",
    "registration_pay_at_door",
    "registration_payment_send",
    "registration_payment_start",
    "registration_refund",
    "registration_undo_check_in",
    "registration_verify",
    "registration_void_unpaid_invoice",
    "ticket_type_delete",
    "ticket_type_save",
    "waitlist_promote",
]
