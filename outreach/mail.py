"""Mail to newsletter subscribers, through core.mail (rendered now, logged as an EmailLog, sent by
a task after the commit), with the headers list mail needs: every mail about a list the person is
on carries a one-click unsubscribe link (RFC 8058 List-Unsubscribe and List-Unsubscribe-Post)."""

import logging
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.urls import reverse

from core.mail import send_templated
from outreach.models import Subscription
from outreach.tokens import unsubscribe_token

logger = logging.getLogger(__name__)


def unsubscribe_url(subscription: Subscription) -> str:
    token = unsubscribe_token(subscription.pk)
    return settings.SITE_URL + reverse("outreach:unsubscribe", args=[token])


def list_headers(subscription: Subscription) -> dict[str, str]:
    links = [f"<{unsubscribe_url(subscription)}>"]
    mailbox = parseaddr(settings.NEWSLETTER_UNSUBSCRIBE_EMAIL or settings.DEFAULT_FROM_EMAIL)[1]
    if mailbox:
        subject = quote(f"unsubscribe {subscription.newsletter.code} {subscription.subscriber}")
        links.append(f"<mailto:{mailbox}?subject={subject}>")
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return {
        "List-Unsubscribe": ", ".join(links),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{subscription.newsletter.name} <{subscription.newsletter.code}.{host}>",
    }


def send_subscription_mail(
    *,
    subscription: Subscription,
    template: str,
    subject: str,
    context: dict[str, Any],
    reason: str,
) -> bool:
    """Queue a mail about `subscription`. A list mail (anything but the confirmation request)
    goes to confirmed subscribers only and carries the unsubscribe headers: an unconfirmed
    address gets the one confirmation mail and nothing else. The confirmation goes to an
    address typed into the sign-up form, so it counts against the same daily limit as the
    other public forms' acknowledgements."""
    subscriber = subscription.subscriber
    is_confirmation = template == "newsletter_confirm"
    if not is_confirmation and subscription.status != Subscription.Status.CONFIRMED:
        logger.info("newsletter mail %s not sent to unconfirmed %s", template, subscriber)
        return False
    return send_templated(
        to=[subscriber.email],
        template=template,
        subject=subject,
        context={
            "subscription": subscription,
            "newsletter": subscription.newsletter,
            "subscriber": subscriber,
            "unsubscribe_url": "" if is_confirmation else unsubscribe_url(subscription),
            **context,
        },
        reason=reason,
        contact=subscriber.linked_contact,
        unverified=is_confirmation,
        headers=None if is_confirmation else list_headers(subscription),
    )
