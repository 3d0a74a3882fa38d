from django.tasks import task

from billing.models import StripeEvent
from billing.services import stripe_event_process


@task
def process_stripe_event(event_pk: int) -> str:
    """Process a stored webhook event (in the request with the immediate backend, in the
    worker with the database one)."""
    event = StripeEvent.objects.get(pk=event_pk)
    return stripe_event_process(event=event).status
