"""The sign-in links, signed by django-sesame, and the throttle on asking for them.

A link carries a sesame token for the contact's portal user (scope "portal"): signed with
SECRET_KEY, good for PORTAL_LINK_MINUTES (SESAME_MAX_AGE) and for one sign-in (SESAME_ONE_TIME:
the token is bound to the user's last sign-in time, which signing in moves on, so a used link,
and every older one, stops working). Sesame is not an authentication backend here: tokens are
read only by this module, for portal users only (never staff, never inactive).
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from sesame.tokens import create_token, parse_token

from core.mail import count_in_cache
from portal.models import PortalAccount

SCOPE = "portal"
HOUR = 60 * 60


def _portal_users(*, lock: bool = False):  # type: ignore[no-untyped-def]
    users = get_user_model()._default_manager.filter(
        is_active=True, is_staff=False, is_superuser=False, portal_account__isnull=False
    )
    return users.select_for_update() if lock else users


def sign_in_url(account: PortalAccount) -> str:
    token = create_token(account.user, SCOPE)
    return settings.SITE_URL.rstrip("/") + reverse("portal:link", args=[token])


def account_for_token(token: str, *, lock: bool = False) -> PortalAccount | None:
    """The portal account the link is for, or None when it is tampered with, expired, used,
    or for a user who is not (or no longer) a portal user. `lock`: hold the user's row until
    the transaction ends, so two clicks on one link sign in once."""

    def get_user(pk: object) -> object:
        return _portal_users(lock=lock).filter(pk=pk).first()

    user = parse_token(token, get_user, SCOPE)
    if user is None:
        return None
    return PortalAccount.objects.select_related("contact", "user").get(user=user)


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"portal-link:{kind}:{digest}"


def over_request_limit(*, email: str, client: str | None) -> bool:
    """Count one more request for a link to `email` from `client`; True when either is over
    its hourly limit (PORTAL_LINK_REQUESTS_PER_ADDRESS, PORTAL_LINK_REQUESTS_PER_CLIENT).
    Known and unknown addresses are counted alike, so the limit tells nobody which exist."""
    per_address = count_in_cache(_key("address", email.strip().lower()), timeout=HOUR)
    per_client = count_in_cache(_key("client", client or "unknown"), timeout=HOUR)
    return (
        per_address > settings.PORTAL_LINK_REQUESTS_PER_ADDRESS
        or per_client > settings.PORTAL_LINK_REQUESTS_PER_CLIENT
    )
