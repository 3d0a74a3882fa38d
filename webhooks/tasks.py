from django.tasks import task

from webhooks.models import WebhookDelivery
from webhooks.services import webhook_delivery_attempt


@task
def deliver_webhook(delivery_pk: int) -> str:
    """One attempt at a delivery (in the worker with the database backend). Never raises for
    the endpoint's sake: a failure is recorded on the delivery and retried on its schedule."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_pk).first()
    if delivery is None:
        return "gone"
    return webhook_delivery_attempt(delivery=delivery).status
