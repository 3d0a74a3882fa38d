from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.authentication import CSRFCheck
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from api.exceptions import PayloadTooLarge
from api.schema import PublicAutoSchema
from api.throttling import PublicRateThrottle
from crm.models import Contact
from crm.selectors import verified_member_contact


class PublicAPIView(APIView):
    """Base of every /api/v1/public/ view: no credentials, throttled per client address, and a
    small body (the website's forms are a few kilobytes) refused before it is read or parsed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle]
    schema = PublicAutoSchema()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # throttled first: an oversize flood counts
        limit = settings.PUBLIC_API_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise PayloadTooLarge(limit)


def portal_contact(request: Request | HttpRequest) -> Contact | None:
    """The member portal's signed-in contact on this request (crm.selectors
    .verified_member_contact), for the public forms that grant member terms to it. A write
    that relies on the portal's session cookie must carry the CSRF token, as the portal's own
    forms do: without it, another site's form could spend a member's rights."""
    django_request = request._request if isinstance(request, Request) else request
    contact = verified_member_contact(django_request)
    if contact is None:
        return None
    check = CSRFCheck(lambda _request: None)  # type: ignore[arg-type]
    check.process_request(django_request)
    if check.process_view(django_request, None, (), {}) is not None:  # type: ignore[arg-type]
        return None
    return contact
