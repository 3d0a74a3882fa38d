from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.schema import PublicAutoSchema
from api.throttling import PublicRateThrottle


class PublicAPIView(APIView):
    """Base of every /api/v1/public/ view: no credentials, throttled per client address."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle]
    schema = PublicAutoSchema()
