"""The signed links in newsletter mail, made with django.core.signing (SECRET_KEY, a salt per
purpose): a subscriber is not a user who logs in, so a login-link library (django-sesame) would
add a dependency for nothing. The confirmation link expires (NEWSLETTER_CONFIRM_DAYS); the
unsubscribe link never does, because RFC 8058 asks that it keep working in old mail."""

from django.conf import settings
from django.core import signing

_CONFIRM = "outreach.confirm"
_UNSUBSCRIBE = "outreach.unsubscribe"


class BadToken(Exception):
    pass


def confirm_token(subscription_pk: int) -> str:
    return signing.TimestampSigner(salt=_CONFIRM).sign_object({"s": subscription_pk})


def unsubscribe_token(subscription_pk: int) -> str:
    return signing.Signer(salt=_UNSUBSCRIBE).sign_object({"s": subscription_pk})


def read_confirm_token(token: str) -> int:
    try:
        data = signing.TimestampSigner(salt=_CONFIRM).unsign_object(
            token, max_age=settings.NEWSLETTER_CONFIRM_DAYS * 86400
        )
    except signing.SignatureExpired:
        raise BadToken("This confirmation link has expired: please sign up again.") from None
    except (signing.BadSignature, ValueError):
        raise BadToken("This confirmation link is not valid.") from None
    return _pk(data)


def read_unsubscribe_token(token: str) -> int:
    try:
        data = signing.Signer(salt=_UNSUBSCRIBE).unsign_object(token)
    except (signing.BadSignature, ValueError):
        raise BadToken("This unsubscribe link is not valid.") from None
    return _pk(data)


def _pk(data: object) -> int:
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise BadToken("This link is not valid.")
    return data["s"]
