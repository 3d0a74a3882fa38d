from datetime import date, timedelta
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from billing.gateways import GatewayError
from billing.services import payout_sync
from core.audit import AuditedCommand
from core.exceptions import ServiceError


class Command(AuditedCommand):
    help = (
        "Read the Stripe payouts that arrived in a date range (both days included; the last 7 "
        "days by default) with their balance transactions, and reconcile each against our "
        "payments and refunds. Safe to repeat."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--since", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--until", type=date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        until = options["until"] or timezone.localdate()
        since = options["since"] or until - timedelta(days=7)
        try:
            result = payout_sync(since=since, until=until)
        except (ServiceError, GatewayError) as exc:
            raise CommandError(exc.message) from exc
        for line in result.outcomes:
            self.stdout.write(line)
        self.stdout.write(f"{len(result.payouts)} payout(s) from {since} to {until}.")
