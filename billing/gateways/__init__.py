"""Which gateway runs: Stripe when STRIPE_SECRET_KEY is set, else the offline one (staff record
payments by hand). Tests install a FakeGateway with `use_gateway()`."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from billing.gateways.base import Gateway, GatewayError, OfflineGateway, WebhookSignatureError
from billing.gateways.fake import FakeGateway

__all__ = [
    "FakeGateway",
    "Gateway",
    "GatewayError",
    "OfflineGateway",
    "WebhookSignatureError",
    "get_gateway",
    "stripe_configured",
    "use_gateway",
    "verify_webhook",
]

_installed: list[Gateway] = []


def stripe_configured() -> bool:
    """Whether payers can pay online (else invoices carry payment instructions)."""
    return get_gateway().is_remote


def get_gateway() -> Gateway:
    if _installed:
        return _installed[-1]
    if settings.STRIPE_SECRET_KEY:
        from billing.gateways.stripe import StripeGateway

        return StripeGateway()
    return OfflineGateway()


@contextmanager
def use_gateway(gateway: Gateway) -> Iterator[Gateway]:
    """Run with `gateway` in place of the configured one (tests, the demo)."""
    _installed.append(gateway)
    try:
        yield gateway
    finally:
        _installed.remove(gateway)


def verify_webhook(payload: bytes, signature: str, secret: str, *, tolerance: int = 300) -> dict:
    from billing.gateways.stripe import verify_webhook as verify

    return verify(payload, signature, secret, tolerance=tolerance)
