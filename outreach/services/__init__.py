from outreach.services.subscriptions import (
    ConsentSource,
    newsletter_list_save,
    subscription_confirm,
    subscription_request,
    subscription_unsubscribe,
)

__all__ = [
    "ConsentSource",
    "newsletter_list_save",
    "subscription_confirm",
    "subscription_request",
    "subscription_unsubscribe",
]
