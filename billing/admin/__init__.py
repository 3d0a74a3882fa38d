"""Finance's back office: invoices with their lines and payments, payments, refunds, disputes and
the Stripe events. Every action calls a billing service; money moves only with the Finance
role's permissions (void, write off, record payment, refund, replay)."""

from billing.admin import (  # noqa: F401  (each module registers its admins)
    credits,
    documents,
    invoices,
    payments,
    reconciliation,
    stripe_events,
)
