"""Outbound webhooks (docs/webhooks.md): `webhook_emit()` is called once by the service of each
action, inside its transaction; it writes one delivery row per endpoint that wants the event
and, once the transaction commits, queues a task per delivery. The task signs the stored body
with the Standard Webhooks scheme and POSTs it with a short timeout; a failure is retried with
growing delays (`manage.py webhook_retry` runs the due retries) and after the last one the
delivery is marked failed. The action itself never waits for, or fails with, an endpoint."""

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.models.endpoints import new_message_id, new_secret

logger = logging.getLogger("webhooks")

# Delays before the 2nd, 3rd, ... attempt: an endpoint down for most of a day still gets the
# message (the schedule adds up to about 17.6 hours); after the last, the delivery has failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
MAX_ERROR_CHARS = 2000
# Which endpoints want which events, kept in the cache so that an action with no endpoint to
# tell costs no query (public POSTs have a query budget). Cleared whenever an endpoint changes;
# without a shared cache (REDIS_URL) another process sees the change within this time.
ENDPOINTS_CACHE_KEY = "webhooks:active-endpoints"
ENDPOINTS_CACHE_SECONDS = 60
MAX_RESPONSE_BYTES = 64 * 1024


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is an answer the receiver must fix (Standard Webhooks: only 2xx counts).
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _active_endpoints() -> list[tuple[int, list[str]]]:
    cached = cache.get(ENDPOINTS_CACHE_KEY)
    if cached is None:
        cached = [
            (endpoint.pk, list(endpoint.event_types or []))
            for endpoint in WebhookEndpoint.objects.filter(is_active=True)
        ]
        cache.set(ENDPOINTS_CACHE_KEY, cached, ENDPOINTS_CACHE_SECONDS)
    return cached


def endpoints_changed(**kwargs: Any) -> None:
    """Connected to the endpoint's post_save and post_delete (WebhooksConfig.ready)."""
    cache.delete(ENDPOINTS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(ENDPOINTS_CACHE_KEY))


def webhook_wanted(event_type: str) -> bool:
    """Whether any active endpoint takes `event_type`: callers skip building a payload
    nobody will receive."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}.")
    return any(event_type in types for _pk, types in _active_endpoints())


def webhook_emit(*, event_type: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Record `event_type` with `payload` (already limited to what recipients may see) for every
    active endpoint that subscribed to it, and send it after the surrounding commit."""
    if not webhook_wanted(event_type):
        return []
    endpoint_ids = [pk for pk, types in _active_endpoints() if event_type in types]
    now = timezone.now()
    body = json.dumps(
        {"type": event_type, "timestamp": now.isoformat(), "data": payload},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        sort_keys=True,
    )
    message_id = new_message_id()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint_id=endpoint_id,
            message_id=message_id,
            event_type=event_type,
            body=body,
            next_attempt_at=now,
        )
        for endpoint_id in endpoint_ids
    )
    _enqueue_after_commit([d.pk for d in deliveries])
    return deliveries


def _enqueue_after_commit(pks: list[int]) -> None:
    from webhooks.tasks import deliver_webhook

    def enqueue() -> None:
        for pk in pks:
            try:
                deliver_webhook.enqueue(pk)
            except Exception:
                # The row stays pending and due: `webhook_retry` picks it up.
                logger.exception("webhook delivery %s could not be queued", pk)

    transaction.on_commit(enqueue)


def webhook_endpoint_save(*, endpoint: WebhookEndpoint, by: Any = None) -> WebhookEndpoint:
    unknown = sorted(set(endpoint.event_types or []) - set(EVENT_TYPES))
    if unknown:
        from core.exceptions import InvalidData

        raise InvalidData(f"Unknown event types: {', '.join(unknown)}.", field="event_types")
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by: Any = None) -> str:
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "modified"])
    return endpoint.secret


def _claim(delivery_pk: int, now: datetime) -> bool:
    """Take the delivery for one attempt: a conditional UPDATE, so a task and `webhook_retry`
    (or two workers) never send one attempt twice. The claim pushes the due time past the
    attempt's timeout; a worker that dies mid-attempt leaves it to be retried then."""
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 30)
    return bool(
        WebhookDelivery.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            pk=delivery_pk,
            status=WebhookDelivery.Status.PENDING,
        ).update(next_attempt_at=lease)
    )


def webhook_delivery_attempt(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """One attempt, if the delivery is pending and due; returns it as it now stands."""
    now = timezone.now()
    if not _claim(delivery.pk, now):
        delivery.refresh_from_db()
        return delivery
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery.pk)
    endpoint = delivery.endpoint
    code: int | None = None
    error = ""
    started = time.monotonic()
    if not endpoint.is_active:
        error = "The endpoint is not active."
    else:
        try:
            code = _post(endpoint, delivery, now)
        except urllib.error.HTTPError as exc:
            code = exc.code
            error = f"HTTP {exc.code}: {_read_body(exc)}"
        except Exception as exc:  # a timeout, a refused connection, a bad certificate
            error = f"{exc.__class__.__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    attempts = delivery.attempts + 1
    ok = code is not None and 200 <= code < 300 and not error
    if ok:
        status, next_at = WebhookDelivery.Status.SUCCEEDED, None
    elif attempts >= MAX_ATTEMPTS or not endpoint.is_active:
        status, next_at = WebhookDelivery.Status.FAILED, None
    else:
        status, next_at = WebhookDelivery.Status.PENDING, now + RETRY_DELAYS[attempts - 1]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempts=attempts,
        next_attempt_at=next_at,
        last_attempt_at=now,
        response_code=code,
        duration_ms=duration,
        last_error=error[:MAX_ERROR_CHARS],
    )
    log = logger.info if ok else logger.warning
    log(
        "webhook %s %s to %s: %s (attempt %s, %s ms) %s",
        delivery.event_type,
        delivery.message_id,
        endpoint.url,
        code or "no answer",
        attempts,
        duration,
        error[:200],
    )
    delivery.refresh_from_db()
    return delivery


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> int:
    signed_at = now.astimezone(UTC)
    signature = Webhook(endpoint.secret).sign(
        msg_id=delivery.message_id, timestamp=signed_at, data=delivery.body
    )
    request = urllib.request.Request(
        endpoint.url,
        data=delivery.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "chamber-crm-webhooks/1",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(int(signed_at.timestamp())),
            "webhook-signature": signature,
        },
    )
    with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
        response.read(MAX_RESPONSE_BYTES)
        return int(response.status)


def _read_body(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(500).decode(errors="replace")
    except Exception:
        return ""


def webhook_deliveries_retry(*, now: datetime | None = None) -> int:
    """Queue every pending delivery that is due (a retry whose delay is over, or one whose task
    never ran); returns how many. Run by `manage.py webhook_retry` from cron."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )
    from webhooks.tasks import deliver_webhook

    for pk in due:
        deliver_webhook.enqueue(pk)
    return len(due)


def webhook_delivery_replay(*, delivery: WebhookDelivery, by: Any = None) -> WebhookDelivery:
    """Send a delivered or failed message again, as a new delivery with the same webhook-id and
    body (a receiver that already handled it recognizes it), to the same endpoint."""
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            message_id=delivery.message_id,
            event_type=delivery.event_type,
            body=delivery.body,
            next_attempt_at=timezone.now(),
            replay_of=delivery,
        )
        _enqueue_after_commit([replay.pk])
    return replay
