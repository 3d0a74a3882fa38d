from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from billing import effects
        from webhooks.payloads import emit_invoice_paid

        # billing never imports this app: it tells its listeners that an invoice was paid.
        effects.register_paid_listener(emit_invoice_paid)
