"""Retry the Stripe step of invoices whose Stripe step failed (Stripe down or timing out while a
business joined, someone registered or a pledge was confirmed). Meant for cron every few
minutes; with Stripe still down it changes nothing and the invoices wait for the next run."""

from typing import Any

from django.core.management.base import CommandError

from billing.services import invoices_retry_stripe, payments_retry_stripe
from core.audit import AuditedCommand


class Command(AuditedCommand):
    help = (
        "Send to Stripe again the open invoices whose Stripe step failed, and mail their payers "
        "the pay link; take offline payments off Stripe's amount due where that failed. Exits "
        "non-zero while some still fail (their errors are kept)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        retried = invoices_retry_stripe()
        failed = [invoice for invoice in retried if invoice.stripe_error]
        for invoice in retried:
            if invoice.stripe_error:
                self.stderr.write(f"invoice {invoice.number}: {invoice.stripe_error}")
            else:
                self.stdout.write(f"invoice {invoice.number}: sent to Stripe")
        self.stdout.write(f"{len(retried) - len(failed)} sent to Stripe, {len(failed)} failed.")
        lowered = payments_retry_stripe()
        not_lowered = [payment for payment in lowered if not payment.stripe_credit_note_id]
        for payment in not_lowered:
            self.stderr.write(f"invoice {payment.invoice.number}: {payment.invoice.stripe_error}")
        if lowered:
            self.stdout.write(
                f"{len(lowered) - len(not_lowered)} offline payment(s) taken off Stripe's "
                f"amount due, {len(not_lowered)} failed."
            )
        problems = []
        if failed:
            problems.append(f"{len(failed)} invoice(s) still not in Stripe")
        if not_lowered:
            problems.append(f"{len(not_lowered)} offline payment(s) still not off Stripe's amount")
        if problems:
            raise CommandError("; ".join(problems) + "; retry later.")
