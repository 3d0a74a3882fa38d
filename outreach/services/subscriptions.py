"""Newsletter sign-up with double opt-in. A request records the consent and mails a signed
confirmation link (once a day at most per address and list: a repeated sign-up does not mail
again, so the form cannot be used to flood someone's inbox); following the link confirms the
address; every list mail carries a one-click unsubscribe. Each step writes a ConsentRecord
and the mailing platform learns of confirmations and unsubscribes through webhooks."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.exceptions import InvalidData, ServiceError
from crm.normalize import normalize_email
from outreach.mail import send_subscription_mail
from outreach.models import ConsentRecord, NewsletterList, Subscriber, Subscription
from outreach.tokens import confirm_token
from webhooks.services import webhook_emit, webhook_wanted

Status = Subscription.Status
Source = ConsentRecord.Source
# A repeated sign-up within this time sends no second confirmation mail.
CONFIRMATION_RESEND_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ConsentSource:
    """Where a consent (or its withdrawal) came from: the form, the portal, the admin, a link."""

    source: str
    ip_address: str | None = None
    user_agent: str = ""
    by: Any = None


def newsletter_list_save(*, newsletter: NewsletterList, by: Any = None) -> NewsletterList:
    if not newsletter.consent_wording.strip():
        raise InvalidData(
            "Write the consent sentence the sign-up form shows.", field="consent_wording"
        )
    newsletter.full_clean()
    newsletter.save()
    return newsletter


def _consent(
    subscription: Subscription, *, action: str, consent: ConsentSource, at: datetime
) -> ConsentRecord:
    user = consent.by if getattr(consent.by, "is_authenticated", False) else None
    return ConsentRecord.objects.create(
        subscription=subscription,
        newsletter=subscription.newsletter,
        email=subscription.subscriber.email,
        action=action,
        source=consent.source,
        wording=subscription.newsletter.consent_wording,
        ip_address=consent.ip_address,
        user_agent=consent.user_agent[:500],
        at=at,
        by=user,
    )


def _subscriber(
    email: str, *, first_name: str, last_name: str, organization_name: str
) -> Subscriber:
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is None:
        try:
            with transaction.atomic():
                return Subscriber.objects.create(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    organization_name=organization_name,
                )
        except IntegrityError:  # the same address signed up at the same moment
            subscriber = Subscriber.objects.select_for_update().get(email=email)
    # Fill in what was missing; never overwrite what the person (or staff) gave before.
    changed = []
    for name, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("organization_name", organization_name),
    ):
        if value and not getattr(subscriber, name):
            setattr(subscriber, name, value)
            changed.append(name)
    if changed:
        subscriber.save(update_fields=[*changed, "modified"])
    return subscriber


def subscription_request(
    *,
    newsletter: NewsletterList,
    email: str,
    consent: ConsentSource,
    first_name: str = "",
    last_name: str = "",
    organization_name: str = "",
) -> Subscription:
    """Ask to subscribe `email` to `newsletter`. Pending until confirmed; a confirmed
    subscription stays as it is. Whether a mail went out is not the caller's business (the
    website's answer is the same either way, so it tells nobody who is subscribed)."""
    email = normalize_email(email)
    if not email or "@" not in email:
        raise InvalidData("Enter an email address.", field="email")
    now = timezone.now()
    with transaction.atomic():
        subscriber = _subscriber(
            email,
            first_name=first_name.strip()[:100],
            last_name=last_name.strip()[:100],
            organization_name=organization_name.strip()[:200],
        )
        subscription, _created = Subscription.objects.select_for_update().get_or_create(
            subscriber=subscriber,
            newsletter=newsletter,
            defaults={"requested_at": now, "status": Status.PENDING},
        )
        if subscription.status == Status.CONFIRMED:
            return subscription
        if subscription.status == Status.UNSUBSCRIBED:
            subscription.status = Status.PENDING
            subscription.requested_at = now
            subscription.unsubscribed_at = None
            subscription.confirmed_at = None
            subscription.save()
        _consent(subscription, action=ConsentRecord.Action.REQUESTED, consent=consent, at=now)
        last_sent = subscription.confirmation_sent_at
        if last_sent is not None and now - last_sent < CONFIRMATION_RESEND_AFTER:
            return subscription
        subscription.confirmation_sent_at = now
        subscription.save(update_fields=["confirmation_sent_at", "modified"])
        link = settings.SITE_URL + reverse(
            "outreach:confirm", args=[confirm_token(subscription.pk)]
        )
        send_subscription_mail(
            subscription=subscription,
            template="newsletter_confirm",
            subject=f"Please confirm your subscription to {newsletter.name}",
            context={"confirm_url": link, "days": settings.NEWSLETTER_CONFIRM_DAYS},
            reason=f"confirm subscription to {newsletter.code}",
        )
    return subscription


def subscription_data(subscription: Subscription) -> dict[str, Any]:
    """The webhook payload: the list's own record of its subscriber (given with consent to this
    list), for the mailing platform that sends it."""
    subscriber = subscription.subscriber
    return {
        "subscription": {
            "id": subscription.pk,
            "status": subscription.status,
            "confirmed_at": subscription.confirmed_at.isoformat()
            if subscription.confirmed_at
            else None,
            "unsubscribed_at": subscription.unsubscribed_at.isoformat()
            if subscription.unsubscribed_at
            else None,
        },
        "list": {"code": subscription.newsletter.code, "name": subscription.newsletter.name},
        "subscriber": {
            "email": subscriber.email,
            "first_name": subscriber.first_name,
            "last_name": subscriber.last_name,
        },
    }


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update()
        .select_related("subscriber", "newsletter")
        .get(pk=subscription.pk)
    )


def subscription_confirm(*, subscription: Subscription, consent: ConsentSource) -> Subscription:
    """The person followed the confirmation link. Confirming twice does nothing more; a link
    of a subscription since unsubscribed does not bring it back (that takes a new sign-up)."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(subscription)
        if locked.status == Status.CONFIRMED:
            return locked
        if locked.status == Status.UNSUBSCRIBED:
            raise ServiceError(
                "This address was unsubscribed since the link was sent: sign up again to "
                "receive the list."
            )
        locked.status = Status.CONFIRMED
        locked.confirmed_at = now
        locked.save()
        _consent(locked, action=ConsentRecord.Action.CONFIRMED, consent=consent, at=now)
        if webhook_wanted("subscription.confirmed"):
            webhook_emit(event_type="subscription.confirmed", payload=subscription_data(locked))
        send_subscription_mail(
            subscription=locked,
            template="newsletter_welcome",
            subject=f"You are subscribed to {locked.newsletter.name}",
            context={},
            reason=f"subscription to {locked.newsletter.code} confirmed",
        )
    return locked


def subscription_unsubscribe(*, subscription: Subscription, consent: ConsentSource) -> Subscription:
    """Take the address off the list (from the one-click link, the confirmation page of the
    link, or staff). Unsubscribing twice does nothing more."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(subscription)
        if locked.status == Status.UNSUBSCRIBED:
            return locked
        was_confirmed = locked.status == Status.CONFIRMED
        locked.status = Status.UNSUBSCRIBED
        locked.unsubscribed_at = now
        locked.save()
        _consent(locked, action=ConsentRecord.Action.UNSUBSCRIBED, consent=consent, at=now)
        # The mailing platform never heard of an unconfirmed address.
        if was_confirmed and webhook_wanted("subscription.cancelled"):
            webhook_emit(event_type="subscription.cancelled", payload=subscription_data(locked))
    return locked
