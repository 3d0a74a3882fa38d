"""Templated mail, sent after the transaction that caused it commits, as a background task.

    send_templated(to=["a@example.org"], template="invoice_issued", subject="...", context={...})

renders templates/emails/<template>.txt (the plain text) and templates/emails/<template>.html
(the HTML alternative, when it exists) with `context` now, while the objects are at hand, and
sends the result through Django's tasks API once the surrounding transaction commits: a rolled
back change sends nothing, and a slow mail server never holds a request or a row lock.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def render_templated(*, template: str, context: dict[str, Any]) -> tuple[str, str | None]:
    """The text and (if its template exists) HTML bodies of an email."""
    context = {"site_url": settings.SITE_URL, **context}
    text = render_to_string(f"emails/{template}.txt", context)
    try:
        html = render_to_string(f"emails/{template}.html", context)
    except TemplateDoesNotExist:
        html = None
    return text, html


def send_templated(
    *,
    to: Iterable[str],
    template: str,
    subject: str,
    context: dict[str, Any],
    reason: str = "",
    reply_to: Iterable[str] = (),
) -> bool:
    """Queue the email; returns False (and sends nothing) when there is no address to send to.
    `reason` says in the log why the mail went out ("invoice 2026-00012 issued")."""
    recipients = sorted({address.strip() for address in to if address and address.strip()})
    if not recipients:
        logger.info("mail %s not sent, no recipient: %s", template, reason)
        return False
    text, html = render_templated(template=template, context=context)
    subject = " ".join(subject.split())

    def enqueue() -> None:
        deliver_email.enqueue(
            to=recipients,
            subject=subject,
            text=text,
            html=html,
            reply_to=list(reply_to),
            reason=reason,
        )

    transaction.on_commit(enqueue)
    return True


@task
def deliver_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str | None,
    reply_to: list[str],
    reason: str,
) -> None:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to or None,
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    logger.info("mail sent to %s: %s (%s)", ", ".join(to), subject, reason)
