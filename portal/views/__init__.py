"""The portal's pages: thin views over portal.services, portal.selectors and billing's
documents. Every organization page starts with permissions.access(), which answers the same
404 for an organization the contact is not at as for one that does not exist; records are then
looked up within that organization only, so another organization's invoice is a 404 too.

base.py holds what they share; account.py signing in and the contact's own pages; billing.py
what an organization owes and has paid; events.py registering for events; manage.py what
the primary representative manages."""

from portal.views.account import (
    home,
    my_details,
    registration_cancel,
    sign_in,
    sign_in_link,
    sign_out,
)
from portal.views.base import SESSION_KEY, signed_in_contact
from portal.views.billing import (
    dues_statement_pdf,
    invoice_pdf,
    invoices,
    organization,
    receipt_pdf,
    statement,
    statement_pdf,
)
from portal.views.events import event_register, event_registration_cancel, events
from portal.views.manage import (
    colleague_confirm,
    colleague_decline,
    colleague_make_primary,
    colleague_remove,
    colleagues,
    directory,
    plan,
)
from portal.views.payment import (
    auto_renew,
    payment_method,
    payment_method_saved,
    payment_method_setup,
    pledge_renewal_accept,
)

__all__ = [
    "SESSION_KEY",
    "auto_renew",
    "colleague_confirm",
    "colleague_decline",
    "colleague_make_primary",
    "colleague_remove",
    "colleagues",
    "directory",
    "dues_statement_pdf",
    "event_register",
    "event_registration_cancel",
    "events",
    "home",
    "invoice_pdf",
    "invoices",
    "my_details",
    "organization",
    "payment_method",
    "payment_method_saved",
    "payment_method_setup",
    "plan",
    "pledge_renewal_accept",
    "receipt_pdf",
    "registration_cancel",
    "sign_in",
    "sign_in_link",
    "sign_out",
    "signed_in_contact",
    "statement",
    "statement_pdf",
]
