"""Finance's ledger, a module per aggregate: invoices and the money on them, credit balances,
Stripe's webhooks, payouts and deposits, and the journal."""

from billing.models.credits import CreditEntry
from billing.models.fields import amount_field
from billing.models.invoices import (
    Dispute,
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceReminder,
    Payment,
    Refund,
)
from billing.models.journal import (
    JournalBatch,
    JournalLine,
    JournalPeriodLock,
    RevenueRecognition,
)
from billing.models.payment_methods import SavedPaymentMethod
from billing.models.payouts import BalanceTransaction, BankDeposit, BankDepositItem, Payout
from billing.models.stripe_events import EarlierStripeInvoice, StripeEvent

__all__ = [
    "BalanceTransaction",
    "BankDeposit",
    "BankDepositItem",
    "CreditEntry",
    "Dispute",
    "EarlierStripeInvoice",
    "Invoice",
    "InvoiceLine",
    "InvoiceNumberSequence",
    "InvoiceReminder",
    "JournalBatch",
    "JournalLine",
    "JournalPeriodLock",
    "Payment",
    "Payout",
    "Refund",
    "RevenueRecognition",
    "SavedPaymentMethod",
    "StripeEvent",
    "amount_field",
]
