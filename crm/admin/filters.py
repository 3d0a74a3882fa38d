"""List filters the organization, membership and contact lists share: by the month dues are paid
through or renew in (any month: the choices span the months on record, and any `YYYY-MM` in the
address works), and the contacts' filters by their organizations."""

import calendar
from datetime import date, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Exists, Max, Min, OuterRef, QuerySet
from django.http import HttpRequest

from core.admin.filters import distinct_values
from crm.models import Affiliation, County, Membership, Organization

ONE_DAY = timedelta(days=1)


def _month(value: str | None) -> tuple[date, date] | None:
    """The first and last day of the month `value` names (YYYY-MM), else None."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None


def _months_between(first: date, last: date) -> list[tuple[str, str]]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((f"{year:04d}-{month:02d}", date(year, month, 1).strftime("%B %Y")))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class MonthFilter(admin.SimpleListFilter):
    """Rows whose paid-through date (`field`) falls in a month; `shift` days added first (a
    membership paid through June 30 renews on July 1)."""

    field = "paid_through"
    shift = timedelta(0)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        span = Membership.objects.aggregate(first=Min("paid_through"), last=Max("paid_through"))
        if span["first"] is None:
            return []
        return _months_between(span["first"] + self.shift, span["last"] + self.shift)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        month = _month(self.value())
        if month is None:
            return queryset
        first, last = month
        return queryset.filter(**{f"{self.field}__range": (first - self.shift, last - self.shift)})


class PaidThroughMonthFilter(MonthFilter):
    title = "paid through (month)"
    parameter_name = "paid_through_month"


class RenewalMonthFilter(MonthFilter):
    title = "renews in (month)"
    parameter_name = "renewal_month"
    shift = ONE_DAY


class OrganizationPaidThroughMonthFilter(PaidThroughMonthFilter):
    field = "membership_paid_through"


class OrganizationRenewalMonthFilter(RenewalMonthFilter):
    field = "membership_paid_through"


# --- Contacts, by their organizations --------------------------------------------------------


def _at_organizations(**conditions: Any) -> Exists:
    return Exists(
        Affiliation.objects.filter(
            contact=OuterRef("pk"), status=Affiliation.Status.CONFIRMED, **conditions
        )
    )


class ContactMemberStatusFilter(admin.SimpleListFilter):
    title = "organization's membership"
    parameter_name = "member_status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*Membership.Status.choices, ("none", "No membership")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "none":
            return queryset.exclude(
                _at_organizations(organization__memberships__status__in=Membership.OPEN_STATUSES)
            )
        if value in Membership.Status.values:
            return queryset.filter(_at_organizations(organization__memberships__status=value))
        return queryset


class ContactRoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"
    ROLES = {
        "primary": ("is_primary", "Primary representative"),
        "billing": ("is_billing", "Billing contact"),
        "event": ("is_event_contact", "Event contact"),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (_flag, label) in self.ROLES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        role = self.ROLES.get(self.value() or "")
        return queryset.filter(_at_organizations(**{role[0]: True})) if role else queryset


class HasEmailFilter(admin.SimpleListFilter):
    title = "email"
    parameter_name = "has_email"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has an email address"), ("no", "No email address")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(email="")
        if self.value() == "no":
            return queryset.filter(email="")
        return queryset


class ContactCountyFilter(admin.SimpleListFilter):
    title = "organization's county"
    parameter_name = "county"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(County.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in County.values:
            return queryset.filter(_at_organizations(organization__county=self.value()))
        return queryset


class ContactZipFilter(admin.SimpleListFilter):
    """The ZIP codes of the organizations on record (any other ZIP works in the address)."""

    title = "organization's ZIP code"
    parameter_name = "zip"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = distinct_values(Organization, "postal_code", skip_blank=True)  # by its index
        return [(code, code) for code in codes]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(
                _at_organizations(organization__postal_code__startswith=self.value())
            )
        return queryset
