"""Mail to newsletter subscribers. Like core.mail (rendered now, logged as an EmailLog, sent by a
task after the commit), plus the headers list mail needs: every mail about a list the person is
on carries a one-click unsubscribe link (RFC 8058 List-Unsubscribe and List-Unsubscribe-Post)."""

import logging
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from core.mail import over_daily_limit, render_templated
from crm.models import EmailLog
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
    goes to confirmed subscribers only: an unconfirmed address gets the one confirmation mail
    and nothing else."""
    subscriber = subscription.subscriber
    is_confirmation = template == "newsletter_confirm"
    if not is_confirmation and subscription.status != Subscription.Status.CONFIRMED:
        logger.info("newsletter mail %s not sent to unconfirmed %s", template, subscriber)
        return False
    if is_confirmation and over_daily_limit([subscriber.email]):
        # The address was typed into the sign-up form: the same daily limit as the
        # acknowledgements of the other public forms (core.mail.over_daily_limit).
        logger.warning("newsletter mail %s suppressed, daily limit for %s", template, subscriber)
        EmailLog.objects.create(
            contact=subscriber.linked_contact,
            recipients=subscriber.email,
            subject=subject[:500],
            template=template,
            reason=reason[:500],
            status=EmailLog.Status.SUPPRESSED,
            error="Not sent: the daily limit of mails to this address was reached.",
        )
        return False
    headers = {} if is_confirmation else list_headers(subscription)
    context = {
        "subscription": subscription,
        "newsletter": subscription.newsletter,
        "subscriber": subscriber,
        "unsubscribe_url": "" if is_confirmation else unsubscribe_url(subscription),
        **context,
    }
    text, html = render_templated(template=template, context=context)
    log = EmailLog.objects.create(
        contact=subscriber.linked_contact,
        recipients=subscriber.email,
        subject=subject[:500],
        template=template,
        reason=reason[:500],
    )
    message = {
        "to": [subscriber.email],
        "subject": subject,
        "text": text,
        "html": html,
        "headers": headers,
        "log_id": log.pk,
    }
    transaction.on_commit(lambda: deliver_subscription_mail.enqueue(message=message))
    return True


@task
def deliver_subscription_mail(*, message: dict[str, Any]) -> None:
    log_id = message["log_id"]
    if EmailLog.objects.filter(pk=log_id, status=EmailLog.Status.SENT).exists():
        return  # a requeued task: sent already
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["text"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=message["to"],
        headers=message["headers"] or None,
    )
    if message["html"]:
        email.attach_alternative(message["html"], "text/html")
    try:
        email.send()
    except Exception as exc:
        EmailLog.objects.filter(pk=log_id).update(
            status=EmailLog.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"
        )
        raise
    EmailLog.objects.filter(pk=log_id).update(
        status=EmailLog.Status.SENT, sent_at=timezone.now(), error=""
    )
