from typing import Any

from django.core.management.base import CommandError

from billing.models import StripeEvent
from billing.services import stripe_event_process
from crm.audit import AuditedCommand


class Command(AuditedCommand):
    help = (
        "Process stored Stripe events again: every failed one (the default), or the events "
        "named by their Stripe ids (evt_...), whatever their state. Safe to repeat."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("event_ids", nargs="*", help="Stripe event ids to replay.")
        parser.add_argument("--type", help="Only failed events of this type.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["event_ids"]
        if ids:
            events = list(StripeEvent.objects.filter(stripe_id__in=ids))
            missing = set(ids) - {e.stripe_id for e in events}
            if missing:
                raise CommandError(f"No stored event with id {', '.join(sorted(missing))}.")
        else:
            query = StripeEvent.objects.filter(status=StripeEvent.Status.FAILED)
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
