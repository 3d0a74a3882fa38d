"""Every write to the ledger goes through these functions: the admin, the API, the webhook and
the scheduled jobs all call them."""

from billing.services.credits import (
    credit_apply,
    credit_apply_to_open_invoices,
    credit_balance,
    credit_refund,
)
from billing.services.disputes import dispute_record_from_stripe
from billing.services.invoice_drafts import (
    DraftLineSpec,
    invoice_add_line,
    invoice_create_draft,
    invoice_create_for_installment,
    invoice_create_for_membership,
)
from billing.services.invoices import (
    invoice_charge_automatically,
    invoice_create_open,
    invoice_issue,
    invoice_resend,
    invoice_set_memo,
    invoice_void,
    invoice_write_off,
    invoices_retry_stripe,
)
from billing.services.journal import journal_export, journal_period_lock
from billing.services.payment_methods import (
    payment_method_save_from_checkout,
    payment_method_setup_start,
)
from billing.services.payments import (
    payment_record_offline,
    payments_retry_stripe,
    refund_create,
)
from billing.services.payouts import (
    balance_transaction_resolve,
    deposit_create,
    deposit_review,
    payout_reconcile,
    payout_refresh,
    payout_review,
    payout_store,
    payout_sync,
)
from billing.services.refunded import invoice_bill_again
from billing.services.stripe_events import stripe_event_process, stripe_event_store
from billing.services.stripe_sync import (
    invoice_sync_from_stripe,
    payment_sync_from_stripe,
    refunds_sync_from_stripe,
)

__all__ = [
    "DraftLineSpec",
    "balance_transaction_resolve",
    "credit_apply",
    "credit_apply_to_open_invoices",
    "credit_balance",
    "credit_refund",
    "deposit_create",
    "deposit_review",
    "dispute_record_from_stripe",
    "invoice_add_line",
    "invoice_bill_again",
    "invoice_charge_automatically",
    "invoice_create_draft",
    "invoice_create_for_installment",
    "invoice_create_for_membership",
    "invoice_create_open",
    "invoice_issue",
    "invoice_resend",
    "invoice_set_memo",
    "invoice_sync_from_stripe",
    "invoice_void",
    "invoice_write_off",
    "invoices_retry_stripe",
    "journal_export",
    "journal_period_lock",
    "payment_method_save_from_checkout",
    "payment_method_setup_start",
    "payment_record_offline",
    "payment_sync_from_stripe",
    "payments_retry_stripe",
    "payout_reconcile",
    "payout_refresh",
    "payout_review",
    "payout_store",
    "payout_sync",
    "refund_create",
    "refunds_sync_from_stripe",
    "stripe_event_process",
    "stripe_event_store",
]
