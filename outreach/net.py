import ipaddress

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str | None:
    """The caller's address as the API's throttling sees it: X-Forwarded-For read only as deep
    as NUM_PROXIES (so a caller cannot forge it), else REMOTE_ADDR; None if it is no address."""
    ident = BaseThrottle().get_ident(request)  # type: ignore[arg-type]
    try:
        return str(ipaddress.ip_address((ident or "").strip()))
    except ValueError:
        return None


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]
