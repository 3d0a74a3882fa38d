from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class PublicRateThrottle(AnonRateThrottle):
    """Per client address, at PUBLIC_API_THROTTLE, on every public endpoint."""

    scope = "public"

    def get_cache_key(self, request, view):  # type: ignore[no-untyped-def]
        # Anonymous or not, the website's endpoints are limited per address.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class StaffRateThrottle(UserRateThrottle):
    scope = "staff"
