from django.core.management.base import BaseCommand

from webhooks.services import webhook_deliveries_retry


class Command(BaseCommand):
    help = (
        "Queue the webhook deliveries whose retry is due (run from cron every few minutes; "
        "safe to run at any time)."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = webhook_deliveries_retry()
        self.stdout.write(f"{count} webhook deliveries queued.")
