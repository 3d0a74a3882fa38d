from datetime import timedelta

from django.tasks import TaskResultStatus, task
from django.utils import timezone

from billing.models import Invoice, StripeEvent
from billing.services import invoice_charge_automatically, stripe_event_process


@task
def process_stripe_event(event_pk: int) -> str:
    """Process a stored webhook event (in the request with the immediate backend, in the
    worker with the database one)."""
    event = StripeEvent.objects.get(pk=event_pk)
    return stripe_event_process(event=event).status


@task
def charge_invoice(invoice_pk: int) -> str:
    """Charge an auto-renewal invoice to the saved card, outside the run that issued it."""
    invoice = Invoice.objects.get(pk=invoice_pk)
    return "paid" if invoice_charge_automatically(invoice=invoice) else "not charged"


def tasks_requeue_stalled(*, older_than: timedelta) -> int:
    """Put back in the queue the tasks a worker claimed longer ago than `older_than` and never
    finished: the worker died (killed, out of memory, the machine restarted) and the database
    backend would otherwise leave them "running" for ever. Another worker runs them again,
    which is safe: every task here re-reads its rows under a lock and skips what is done (a
    processed event, a paid invoice, a mail recorded as sent). Returns how many were requeued."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - older_than
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lte=cutoff
    ).update(status=TaskResultStatus.READY, started_at=None)
