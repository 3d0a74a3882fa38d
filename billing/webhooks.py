"""POST /billing/stripe/webhook/: verify, store, acknowledge, process."""

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.gateways import WebhookSignatureError, verify_webhook
from billing.models import StripeEvent
from billing.services import stripe_event_store
from billing.services.stripe_events import DONE
from billing.tasks import process_stripe_event
from config.json_depth import json_too_deep

logger = logging.getLogger("billing.stripe")


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    if json_too_deep(request.body):  # json.loads would raise RecursionError: store nothing
        logger.warning("Stripe webhook refused: the body is nested too deeply.")
        return JsonResponse({"error": "The body is not a Stripe event."}, status=400)
    try:
        payload = verify_webhook(
            request.body,
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_WEBHOOK_SECRET,
        )
    except WebhookSignatureError as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return JsonResponse({"error": "Invalid or stale signature."}, status=400)
    event, created = stripe_event_store(payload=payload)
    if not created and event.status in DONE:
        return JsonResponse({"received": True, "duplicate": True})
    event_pk = event.pk
    transaction.on_commit(lambda: process_stripe_event.enqueue(event_pk))
    event = StripeEvent.objects.get(pk=event_pk)
    return JsonResponse({"received": True, "status": event.status})
