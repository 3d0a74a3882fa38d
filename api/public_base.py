from typing import Any

from django.conf import settings
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from api.exceptions import PayloadTooLarge
from api.schema import PublicAutoSchema
from api.throttling import PublicRateThrottle


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
