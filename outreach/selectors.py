"""Reads the admin, the API and the exports share."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth

from outreach.models import ConsentRecord, NewsletterList, Subscription

HARTBEAT = "hartbeat"


def newsletter_list_public() -> QuerySet[NewsletterList]:
    return NewsletterList.objects.filter(is_public=True).order_by("name")


def newsletter_counts_by_month(newsletter: NewsletterList) -> list[dict[str, Any]]:
    """Per month, newest first: how many asked to subscribe, confirmed, unsubscribed (each
    consent step counted in the month it happened). One query."""
    rows = (
        ConsentRecord.objects.filter(newsletter=newsletter)
        .annotate(month=TruncMonth("at"))
        .values("month", "action")
        .annotate(n=Count("pk"))
        .order_by()
    )
    months: dict[date, dict[str, int]] = defaultdict(
        lambda: {"requested": 0, "confirmed": 0, "unsubscribed": 0}
    )
    for row in rows:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        months[month][row["action"]] += row["n"]
    return [{"month": month, **counts} for month, counts in sorted(months.items(), reverse=True)]


def subscription_export_rows(queryset: QuerySet[Subscription]) -> QuerySet[Subscription]:
    return queryset.select_related("subscriber__contact", "newsletter").order_by(
        "newsletter__code", "pk"
    )


def contact_subscriptions(contact: Any) -> list[Subscription]:
    """A contact's subscriptions: those of the subscriber with the contact's address."""
    if not getattr(contact, "email", ""):
        return []
    return list(
        Subscription.objects.filter(subscriber__email=contact.email)
        .select_related("newsletter", "subscriber")
        .order_by("newsletter__name")
    )
