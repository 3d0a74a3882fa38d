from webhooks.admin.endpoints import WebhookDeliveryAdmin, WebhookEndpointAdmin

__all__ = ["WebhookDeliveryAdmin", "WebhookEndpointAdmin"]
