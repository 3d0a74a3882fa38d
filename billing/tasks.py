from django.tasks import task

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
