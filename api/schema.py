"""OpenAPI: every staff operation documents the error answers it can give, in the one shape
CONTRACT.md promises: {"errors": {"<field or path>": ["message", ...]}}."""

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
    "409": "Refused in the record's current state (an illegal transition, a duplicate).",
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


class StaffAutoSchema(AutoSchema):
    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        codes = ["401", "403", "429"]
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        if writes or self._is_list_view():
            codes.append("400")
        if "{" in self.path:
            codes.append("404")
        if writes:
            codes.append("409")
        for code in sorted(codes):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=_ERRORS[code]),
                    code,
                    direction=direction,
                )
        return responses
