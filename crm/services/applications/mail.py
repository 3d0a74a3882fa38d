"""The mail joining and investing send, each message rendered now and delivered once the
transaction commits: the acknowledgement of a submission to its sender and to the membership
staff, and the addresses of an organization's primary representatives."""

from typing import Any

from django.conf import settings

from core.mail import send_templated
from crm.models import Affiliation, Organization


def _mail(
    template: str,
    subject: str,
    context: dict[str, Any],
    to: list[str],
    *,
    unverified: bool = False,
) -> None:
    """templates/emails/<template>.txt, sent once the surrounding transaction commits."""
    send_templated(
        to=to,
        template=template,
        subject=subject,
        context=context,
        reason=template,
        unverified=unverified,
    )


def _membership_staff() -> list[str]:
    return list(settings.MEMBERSHIP_STAFF_EMAILS)


def _mail_received(
    kind: str,
    context: dict[str, Any],
    *,
    to: str,
    subject: str,
    staff_subject: str,
    check_match: bool,
) -> None:
    """A submission from the website acknowledged: the one who sent it is told it arrived
    (templates/emails/<kind>_received.txt) and the membership staff that it waits for them
    (<kind>_staff.txt), asked to check the match when it was linked to existing records."""
    _mail(f"{kind}_received", subject, context, [to], unverified=True)
    _mail(
        f"{kind}_staff",
        staff_subject + (" — check the match" if check_match else ""),
        context,
        _membership_staff(),
    )


def _primary_emails(organization: Organization) -> list[str]:
    return list(
        Affiliation.objects.filter(organization=organization, is_primary=True)
        .exclude(contact__email="")
        .values_list("contact__email", flat=True)
    )
