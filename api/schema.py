"""OpenAPI: every operation, staff and public, documents the error answers it can give, in the
one shape docs/public-api.md promises: {"errors": {"<field or path>": ["message", ...]}}."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    # Describes the body only (never validates input), so the name may shadow .errors.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Messages by field or dotted path ("organization.name"); "detail" when the '
        "error is about the request as a whole.",
    )


_ERRORS = {
    "400": "Invalid input or filter; each message under the field it is about.",
    "401": "No credentials, or an unknown token.",
    "403": "The user's roles do not allow this.",
    "404": "No such record.",
    "404-page": "No such page (a page number below 1 or past the last page).",
    "409": "Refused in the record's current state (an illegal transition, a duplicate).",
    "413": "The request body is larger than the API reads; nothing was done.",
    "415": "A body in a content type the endpoint does not read (send JSON).",
    "429": "Throttled: retry after the number of seconds in Retry-After.",
}


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Send the same key again with the same body to get the first answer back, "
    "creating nothing new; the same key with another body is a 409.",
)


class _ErrorsAutoSchema(AutoSchema):
    """Adds the error answers the view can give to the ones it documents itself."""

    # Every caller may be throttled; staff calls may also lack credentials or permission.
    always: tuple[str, ...] = ("429",)

    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _error_codes(self) -> dict[str, str]:
        codes = {code: _ERRORS[code] for code in self.always}
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        if writes or self._has_query_parameters():
            codes["400"] = _ERRORS["400"]
        if "{" in self.path:
            codes["404"] = _ERRORS["404"]
        elif self._is_list_view() and self._get_paginator() is not None:
            codes["404"] = _ERRORS["404-page"]
        if writes:
            codes["409"] = _ERRORS["409"]
            codes["413"] = _ERRORS["413"]
            codes["415"] = _ERRORS["415"]
        return codes

    def _has_query_parameters(self) -> bool:
        return any(p.get("in") == "query" for p in self._get_parameters())

    def _get_response_bodies(self, direction: Any = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code, description in sorted(self._error_codes().items()):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description),
                    code,
                    direction=direction,
                )
        return responses


class StaffAutoSchema(_ErrorsAutoSchema):
    always = ("401", "403", "429")


class PublicAutoSchema(_ErrorsAutoSchema):
    """The website's endpoints need no credentials, so they answer neither 401 nor 403."""
