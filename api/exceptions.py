"""Every API error has the contract's shape: {"errors": {"<field or path>": ["message", ...]}}."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import InvalidData, ServiceError, TooManyRequests


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is too large: send at most {limit:,} bytes.")


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors become dotted paths: organization.address.city."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" else str(key)
            path = f"{prefix}.{name}" if prefix and name != "non_field_errors" else (prefix or name)
            for sub_key, messages in _flatten(value, path).items():
                out.setdefault(sub_key, []).extend(messages)
    elif isinstance(detail, list):
        if detail and all(isinstance(item, (dict, list)) for item in detail):
            for index, item in enumerate(detail):
                for sub_key, messages in _flatten(
                    item, f"{prefix}.{index}" if prefix else str(index)
                ).items():
                    out.setdefault(sub_key, []).extend(messages)
        else:
            out.setdefault(prefix or "detail", []).extend(str(item) for item in detail)
    else:
        out.setdefault(prefix or "detail", []).append(str(detail))
    return out


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, InvalidData):
        return Response(
            {"errors": {exc.field or "detail": [exc.message]}}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, TooManyRequests):
        return Response(
            {"errors": {exc.field or "detail": [exc.message]}},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": "3600"},
        )
    if isinstance(exc, ServiceError):
        return Response(
            {"errors": {exc.field or "detail": [exc.message]}}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, (ProtectedError, RestrictedError)):
        # A delete that would orphan other records (an organization's memberships, say).
        blocking = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", [])
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in blocking})
        return Response(
            {"errors": {"detail": [f"It cannot be deleted while it has {', '.join(kinds)}."]}},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
            if hasattr(exc, "error_dict")
            else exc.messages
        )
    if isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE: said in our shape.
        exc = PayloadTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": _flatten(exc.detail)}
    else:
        response.data = {"errors": {"detail": [str(getattr(exc, "detail", exc))]}}
    return response
