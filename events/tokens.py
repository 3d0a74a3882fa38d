"""The signed link that confirms a website registration's membership claim, made with
django.core.signing (SECRET_KEY, a salt of its own), as the newsletter links are
(outreach/tokens.py). It names the registration, the contact on file and the member
organization, and expires after MEMBER_CONFIRM_MINUTES; it works once, because following it
moves the registration out of `pending_verification` (registration_verify)."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

_SALT = "events.registration-membership"


class BadToken(Exception):
    pass


@dataclass(frozen=True)
class MembershipClaim:
    registration_id: int
    contact_id: int
    organization_id: int


def membership_token(claim: MembershipClaim) -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {"r": claim.registration_id, "c": claim.contact_id, "o": claim.organization_id}
    )


def read_membership_token(token: str) -> MembershipClaim:
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(
            token, max_age=settings.MEMBER_CONFIRM_MINUTES * 60
        )
    except signing.SignatureExpired:
        raise BadToken(
            "This confirmation link has expired: please register again, or sign in to the "
            "member portal."
        ) from None
    except (signing.BadSignature, ValueError):
        raise BadToken("This confirmation link is not valid.") from None
    values = [data.get(key) if isinstance(data, dict) else None for key in ("r", "c", "o")]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise BadToken("This confirmation link is not valid.")
    return MembershipClaim(*values)  # type: ignore[arg-type]
