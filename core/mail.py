"""Templated mail, sent after the transaction that caused it commits, as a background task.

    send_templated(to=["a@example.org"], template="invoice_issued", subject="...", context={...})

renders templates/emails/<template>.txt (the plain text) and templates/emails/<template>.html
(the HTML alternative, when it exists) with `context` now, while the objects are at hand, and
sends the result through Django's tasks API once the surrounding transaction commits: a rolled
back change sends nothing, and a slow mail server never holds a request or a row lock.

Every mail is logged (in settings.EMAIL_LOG_MODEL, crm.EmailLog: to whom, which template,
why, for which organization and invoice). Queued inside a transaction, or for a worker
(TASKS_BACKEND=database), its row is written queued first (with the change that caused it) and
marked sent or failed by the task: a worker that dies mid-send runs the task again and sends it
then, rather than never. Queued outside any transaction while tasks run at once in this process
(the immediate backend, which runs nothing again), the mail is sent first and its row written
once, sent or failed (`_logged_when_sent`): one statement instead of two.
"""

import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.tasks import task
from django.tasks.backends.immediate import ImmediateBackend
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)


def email_log_model() -> Any:
    """The model every mail is logged in (settings.EMAIL_LOG_MODEL, "app_label.Model", like
    AUTH_USER_MODEL): core names no app, the app that owns the log says where it is."""
    return apps.get_model(settings.EMAIL_LOG_MODEL)


def render_templated(*, template: str, context: dict[str, Any]) -> tuple[str, str | None]:
    """The text and (if its template exists) HTML bodies of an email."""
    context = {
        "site_url": settings.SITE_URL,
        # The footer of every mail: who sends it and the chamber's address.
        "chamber_name": settings.CHAMBER_NAME,
        "chamber_address": settings.CHAMBER_ADDRESS,
        **context,
    }
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
    organization: Any = None,
    contact: Any = None,
    invoice: Any = None,
    unverified: bool = False,
    headers: dict[str, str] | None = None,
) -> bool:
    """Queue the email; returns False (and sends nothing) when there is no address to send to.
    `reason` says in the log why the mail went out ("invoice 2026-00012 issued"); the
    organization, contact and invoice it concerns are kept on its EmailLog row.

    `unverified`: the address was typed into a public form (an acknowledgement), so anyone
    could make us mail it: at most MAIL_PER_RECIPIENT_PER_DAY such mails go to one address a
    day (`over_daily_limit`); the rest are logged as suppressed and not sent.

    `headers`: extra headers of the message (a list mail's List-Unsubscribe)."""
    EmailLog = email_log_model()

    recipients = sorted({address.strip() for address in to if address and address.strip()})
    if not recipients:
        logger.info("mail %s not sent, no recipient: %s", template, reason)
        return False
    if unverified and over_daily_limit(recipients):
        logger.warning("mail %s suppressed, daily limit for %s", template, recipients)
        EmailLog.objects.create(
            organization=organization if getattr(organization, "pk", None) else None,
            contact=contact if getattr(contact, "pk", None) else None,
            recipients=", ".join(recipients)[:1000],
            subject=" ".join(subject.split())[:500],
            template=template,
            reason=reason[:500],
            status=EmailLog.Status.SUPPRESSED,
            error="Not sent: the daily limit of mails to this address was reached.",
        )
        return False
    text, html = render_templated(template=template, context=context)
    subject = " ".join(subject.split())
    if organization is None and invoice is not None:
        organization = invoice.organization
    log = EmailLog(
        organization=organization if getattr(organization, "pk", None) else None,
        contact=contact if getattr(contact, "pk", None) else None,
        invoice=invoice if getattr(invoice, "pk", None) else None,
        recipients=", ".join(recipients)[:1000],
        subject=subject[:500],
        template=template,
        reason=reason[:500],
    )
    message: dict[str, Any] = {
        "to": recipients,
        "subject": subject,
        "text": text,
        "html": html,
        "reply_to": list(reply_to),
        "headers": dict(headers or {}),
        "reason": reason,
    }
    batch = _BATCH.get()
    if batch is not None and batch.depth == _depth():
        batch.pending.append((log, message))
        return True
    if _logged_when_sent():
        message["log"] = _log_fields(log)
    else:
        log.save()
        message["log_id"] = log.pk
    transaction.on_commit(lambda: deliver_email.enqueue(**message))
    return True


def _logged_when_sent() -> bool:
    """Whether a mail queued now is logged once, with its outcome, after it is sent: when no
    transaction is open (there is no change to write its row with) and the task backend sends
    it here and now (the immediate backend: nothing would run the task again, so a queued row
    would only be marked sent a moment later). Otherwise its row is written queued first and
    the task marks it, so that a worker that dies mid-send sends it when the task runs again."""
    return not connection.in_atomic_block and isinstance(
        deliver_email.get_backend(), ImmediateBackend
    )


def _log_fields(log: Any) -> dict[str, Any]:
    """An unsaved log row's fields, for the task that writes it once the mail is sent."""
    return {
        "organization_id": log.organization_id,
        "contact_id": log.contact_id,
        "invoice_id": log.invoice_id,
        "recipients": log.recipients,
        "subject": log.subject,
        "template": log.template,
        "reason": log.reason,
    }


def _outcome_row(fields: dict[str, Any], error: Exception | None) -> Any:
    """The log row of a mail sent (or refused) just now, not saved yet."""
    EmailLog = email_log_model()

    if error is not None:
        return EmailLog(
            **fields,
            status=EmailLog.Status.FAILED,
            error=f"{error.__class__.__name__}: {error}",
        )
    return EmailLog(**fields, status=EmailLog.Status.SENT, sent_at=timezone.now())


def over_daily_limit(recipients: Iterable[str]) -> bool:
    """Count one more mail to each of these typed addresses today; True when any of them has
    had MAIL_PER_RECIPIENT_PER_DAY already (then nothing is sent to any).

    Counted in the cache, not the database, so that a public request pays no query for it:
    `cache.add` starts a day's counter at 0 only if it is missing and `cache.incr` adds one
    atomically (Redis, REDIS_URL, shares it between processes and servers; without it each
    process counts on its own). The key is the address lower-cased and hashed, and the day."""
    limit = settings.MAIL_PER_RECIPIENT_PER_DAY
    if limit <= 0:
        return False
    day = timezone.localdate().isoformat()
    over = False
    for address in {address.strip().lower() for address in recipients if address}:
        key = f"mail-per-recipient:{day}:{hashlib.sha256(address.encode()).hexdigest()}"
        over = count_in_cache(key, timeout=_TWO_DAYS) > limit or over
    return over


def count_in_cache(key: str, *, timeout: int) -> int:
    """Add one to the counter `key` (created at 0, kept `timeout` seconds) and return it: one
    atomic `cache.incr`, shared by every process when the cache is Redis (REDIS_URL)."""
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted between add and incr: this is its first
        cache.add(key, 1, timeout=timeout)
        return 1


_TWO_DAYS = 2 * 24 * 60 * 60


@dataclass
class _Batch:
    depth: tuple[bool, int]
    pending: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)


_BATCH: ContextVar[_Batch | None] = ContextVar("mail_batch", default=None)


def _depth() -> tuple[bool, int]:
    return connection.in_atomic_block, len(connection.savepoint_ids)


@contextmanager
def mail_batch() -> Iterator[None]:
    """The mail queued inside goes out together when the block ends: its log rows in one
    INSERT, then (once the surrounding transaction, if any, commits) one task that sends them
    all and marks them sent in one UPDATE: two queries in all instead of two a mail, for a
    request that sends several (a join sends three); one, the rows written sent, when they are
    logged once sent (_logged_when_sent). A mail queued inside a transaction opened within the
    block goes out the ordinary way, with that transaction."""
    if _BATCH.get() is not None:  # nested: the outer block sends
        yield
        return
    batch = _Batch(depth=_depth())
    token = _BATCH.set(batch)
    try:
        yield
    finally:
        _BATCH.reset(token)
        if batch.pending and not connection.needs_rollback:
            _flush(batch.pending)


def _flush(pending: list[tuple[Any, dict[str, Any]]]) -> None:
    EmailLog = email_log_model()

    if _logged_when_sent():
        logged = [{**message, "log": _log_fields(log)} for log, message in pending]
        transaction.on_commit(lambda: deliver_emails.enqueue(messages=logged))
        return
    logs = EmailLog.objects.bulk_create([log for log, _message in pending])
    messages = [
        {**message, "log_id": log.pk} for log, (_log, message) in zip(logs, pending, strict=True)
    ]
    transaction.on_commit(lambda: deliver_emails.enqueue(messages=messages))


@task
def deliver_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str | None,
    reply_to: list[str],
    reason: str,
    log_id: int | None = None,
    headers: dict[str, str] | None = None,
    log: dict[str, Any] | None = None,
) -> None:
    """Send one mail and mark its queued log row (`log_id`), or write its row now that the
    outcome is known (`log`: its fields, see _logged_when_sent)."""
    EmailLog = email_log_model()

    # Run again (a worker that died before it reported the task done, a requeued task): a mail
    # already recorded as sent is not sent twice.
    if (
        log_id is not None
        and EmailLog.objects.filter(pk=log_id, status=EmailLog.Status.SENT).exists()
    ):
        logger.info("mail %s already sent: %s", log_id, reason)
        return
    try:
        _send(
            {
                "to": to,
                "subject": subject,
                "text": text,
                "html": html,
                "reply_to": reply_to,
                "headers": headers,
            }
        )
    except Exception as exc:
        if log is not None:
            _outcome_row(log, exc).save()
        if log_id is not None:
            EmailLog.objects.filter(pk=log_id).update(
                status=EmailLog.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"
            )
        raise
    if log is not None:
        _outcome_row(log, None).save()
    if log_id is not None:
        EmailLog.objects.filter(pk=log_id).update(
            status=EmailLog.Status.SENT, sent_at=timezone.now(), error=""
        )
    logger.info("mail sent to %s: %s (%s)", ", ".join(to), subject, reason)


@task
def deliver_emails(*, messages: list[dict[str, Any]]) -> None:
    """deliver_email() for a batch (mail_batch()): every message is tried; the sent ones are
    marked in one UPDATE, a failure on its own row, and the task fails if any did. Messages
    whose rows are written once sent (`log`) have them written together, in one INSERT."""
    EmailLog = email_log_model()

    sent: list[int] = []
    written: list[Any] = []
    failure: Exception | None = None
    for message in messages:
        log_id = message.get("log_id")
        try:
            _send(message)
        except Exception as exc:
            failure = failure or exc
            logger.warning("mail to %s failed: %s", ", ".join(message["to"]), exc)
            if message.get("log") is not None:
                written.append(_outcome_row(message["log"], exc))
            if log_id is not None:
                EmailLog.objects.filter(pk=log_id).update(
                    status=EmailLog.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"
                )
            continue
        if message.get("log") is not None:
            written.append(_outcome_row(message["log"], None))
        if log_id is not None:
            sent.append(log_id)
        logger.info(
            "mail sent to %s: %s (%s)",
            ", ".join(message["to"]),
            message["subject"],
            message["reason"],
        )
    if written:
        EmailLog.objects.bulk_create(written)
    if sent:
        EmailLog.objects.filter(pk__in=sent).update(
            status=EmailLog.Status.SENT, sent_at=timezone.now(), error=""
        )
    if failure is not None:
        raise failure


def _send(message: dict[str, Any]) -> None:
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["text"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=message["to"],
        reply_to=message["reply_to"] or None,
        headers=message.get("headers") or None,
    )
    if message["html"]:
        email.attach_alternative(message["html"], "text/html")
    email.send()
