"""Idempotency-Key on POST (docs/public-api.md): the same key with the same body returns the same
response and creates nothing new; the same key with a different body is a 409."""

import functools
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A claim with no answer older than this was left by a process that died mid-request (a request
# is cut off by the web server's 30 s timeout long before): the next retry takes the key over.
STALE_CLAIM_AFTER = timedelta(minutes=2)


def _conflict(message: str) -> Response:
    return Response({"errors": {HEADER: [message]}}, status=status.HTTP_409_CONFLICT)


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap an APIView's post(). Requests without the header pass straight through."""

    @functools.wraps(view_method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return Response(
                {"errors": {HEADER: [f"Use at most {MAX_KEY_LENGTH} characters."]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = hashlib.sha256(request.body).hexdigest()
        # A key is the caller's own: a staff user's key never answers with another user's result.
        user_id = request.user.pk if request.user and request.user.is_authenticated else None
        scope = f"{request.method} {request.path}" + (f" user:{user_id}" if user_id else "")
        scope = scope[:300]
        try:
            # Claim the key first: of two requests racing with one key, only one runs the view.
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    key=key, scope=scope, fingerprint=fingerprint
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(key=key, scope=scope).first()
            if existing is None:  # the first request failed and released the key meanwhile
                return _conflict("A request with this key failed just now; send it again.")
            if existing.fingerprint != fingerprint:
                return _conflict("This key was already used with a different request body.")
            if existing.response_status is not None:
                response = Response(existing.response_body, status=existing.response_status)
                response["Idempotent-Replayed"] = "true"
                return response
            if not _take_over_stale_claim(existing):
                return _conflict("A request with this key is still being processed.")
            record = existing

        try:
            response = view_method(self, request, *args, **kwargs)
        except Exception:
            record.delete()
            raise
        if response.status_code >= 500 or response.status_code == 429:
            # Nothing was decided: let the caller retry with the same key.
            record.delete()
            return response
        record.response_status = response.status_code
        record.response_body = response.data
        record.save(update_fields=["response_status", "response_body"])
        return response

    return wrapper


def _take_over_stale_claim(record: IdempotencyRecord) -> bool:
    """Claim a key whose first request never answered (its process died). Of several retries
    racing for it, the conditional update lets exactly one win."""
    now = timezone.now()
    if record.created > now - STALE_CLAIM_AFTER:
        return False
    won = IdempotencyRecord.objects.filter(
        pk=record.pk, created=record.created, response_status__isnull=True
    ).update(created=now)
    record.created = now
    return won == 1
