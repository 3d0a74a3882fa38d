from webhooks.models.endpoints import WebhookDelivery, WebhookEndpoint

__all__ = ["WebhookDelivery", "WebhookEndpoint"]
