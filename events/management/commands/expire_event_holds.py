"""Release the seats of unpaid event registrations whose hold ran out and offer them to the
waitlist. Meant for cron every few minutes; running it again releases nothing more."""

from core.audit import AuditedCommand
from events.services import holds_expire


class Command(AuditedCommand):
    help = (
        "Cancel unpaid registrations whose seat hold has expired (EVENT_HOLD_MINUTES, or the "
        "waitlist offer's deadline), void their invoices and promote the waitlist."
    )

    def handle(self, *args, **options) -> None:
        expired = holds_expire()
        for registration in expired:
            self.stdout.write(
                f"released {registration.quantity} seat(s) of {registration.reference} "
                f"({registration.event})"
            )
        self.stdout.write(f"{len(expired)} unpaid hold(s) released.")
