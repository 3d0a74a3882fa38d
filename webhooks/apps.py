from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from billing import effects
        from webhooks.payloads import emit_invoice_paid

        # billing never imports this app: it tells its listeners that an invoice was paid.
        effects.register_paid_listener(emit_invoice_paid)

        from django.db.models.signals import post_delete, post_save

        from webhooks.models import WebhookEndpoint
        from webhooks.services import endpoints_changed

        # Only a cache is cleared here: which endpoints exist is read on every event.
        post_save.connect(endpoints_changed, sender=WebhookEndpoint, dispatch_uid="webhooks.s")
        post_delete.connect(endpoints_changed, sender=WebhookEndpoint, dispatch_uid="webhooks.d")
