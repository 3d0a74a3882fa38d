from datetime import timedelta
from typing import Any

from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone

from billing.models import StripeEvent
from billing.services import stripe_event_process
from core.audit import AuditedCommand


class Command(AuditedCommand):
    help = (
        "Process stored Stripe events again: every failed one and every one still unprocessed "
        "after --stalled-minutes (its worker died; the default), or the events named by their "
        "Stripe ids (evt_...), whatever their state. Safe to repeat."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("event_ids", nargs="*", help="Stripe event ids to replay.")
        parser.add_argument("--type", help="Only failed events of this type.")
        parser.add_argument(
            "--stalled-minutes",
            type=int,
            default=10,
            help="Also replay events received this long ago and never processed (default 10).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["event_ids"]
        if ids:
            events = list(StripeEvent.objects.filter(stripe_id__in=ids))
            missing = set(ids) - {e.stripe_id for e in events}
            if missing:
                raise CommandError(f"No stored event with id {', '.join(sorted(missing))}.")
        else:
            stalled = timezone.now() - timedelta(minutes=options["stalled_minutes"])
            query = StripeEvent.objects.filter(
                Q(status=StripeEvent.Status.FAILED)
                | Q(status=StripeEvent.Status.RECEIVED, received_at__lte=stalled)
            )
            if options["type"]:
                query = query.filter(type=options["type"])
            events = list(query.order_by("stripe_created", "received_at"))
        failed = 0
        for event in events:
            result = stripe_event_process(event=event, force=True)
            line = f"{result.stripe_id} {result.type}: {result.status}"
            if result.status == StripeEvent.Status.FAILED:
                failed += 1
                self.stderr.write(f"{line} ({result.error})")
            else:
                self.stdout.write(f"{line} {result.outcome}".rstrip())
        self.stdout.write(f"{len(events) - failed} replayed, {failed} failed.")
        if failed:
            raise CommandError(f"{failed} event(s) failed again; their errors are stored.")
