"""Reads that the admin, the API and the pages share, each written once with its joins."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat, JSONObject, Lower

from billing.models import Invoice, InvoiceLine
from billing.services.invoice_drafts import STANDING
from core.db import built_once
from core.services import keep_prefetched
from crm.models import (
    Affiliation,
    Contact,
    DirectoryCategory,
    InvestorLevel,
    Membership,
    MembershipPlan,
    Organization,
    PlanBracket,
    Pledge,
)
from crm.normalize import domain_from_email, normalize_org_name


def _latest_membership() -> QuerySet[Membership]:
    """The membership that describes an organization now: its open one, else its latest."""
    return Membership.objects.filter(organization=OuterRef("pk")).order_by(
        # Open memberships sort first (False < True), then the newest.
        _is_closed_expression(),
        "-start_date",
        "-pk",
    )


def _is_closed_expression():
    from django.db.models import BooleanField

    return Case(
        When(status__in=Membership.OPEN_STATUSES, then=Value(False)),
        default=Value(True),
        output_field=BooleanField(),
    )


@built_once
def organization_list() -> QuerySet[Organization]:
    """Organizations with their current membership and primary representative, in one query.

    Each is read by one correlated subquery that hands over one JSON row (`membership_row`,
    `primary_contact_row`; the model's `membership_*` and `primary_contact_*` properties read
    them): a subquery for each value cost as many times the compiling and, on every row, the
    running. The values filters and orderings name (`membership_status`, `membership_plan`,
    `membership_plan_code`, `membership_paid_through`) are aliases: written into the statement
    only where a filter or an ordering uses them."""
    aliases, annotations = _organization_summaries()
    # (The django-stubs plugin takes an alias named like the model's property for a clash.)
    return Organization.objects.alias(**aliases).annotate(**annotations)  # type: ignore[no-redef]


def _organization_summaries() -> tuple[dict[str, Subquery], dict[str, Subquery]]:
    """organization_list()'s subqueries (built with it, once a process)."""
    latest = _latest_membership()
    primary = Affiliation.objects.filter(organization=OuterRef("pk"), is_primary=True)

    def first(queryset: QuerySet[Any], value: Any) -> Subquery:
        return Subquery(queryset.values(value=value)[:1])

    aliases = {
        "membership_status": first(latest, F("status")),
        "membership_plan": first(latest, F("plan__name")),
        "membership_plan_code": first(latest, F("plan__code")),
        "membership_paid_through": first(latest, F("paid_through")),
    }
    annotations = {
        "membership_row": first(
            latest,
            JSONObject(
                id="pk",
                status="status",
                plan="plan__name",
                plan_code="plan__code",
                paid_through="paid_through",
            ),
        ),
        "primary_contact_row": first(
            primary,
            JSONObject(
                id="contact_id",
                name=Concat(
                    "contact__first_name",
                    Value(" "),
                    "contact__last_name",
                    output_field=CharField(),
                ),
                email="contact__email",
            ),
        ),
    }
    return aliases, annotations


def membership_list() -> QuerySet[Membership]:
    return Membership.objects.select_related("organization", "plan")


# --- Verified membership ---------------------------------------------------------------------

# The session key under which the member portal keeps the signed-in contact's id.
PORTAL_CONTACT_SESSION_KEY = "portal_contact_id"


def verified_member_contact(request: Any) -> Contact | None:
    """The hook between the member portal and the public forms: the contact signed in to the
    portal on this request, else None. The portal fills it by setting `request.portal_contact`
    (a Contact) or the session's PORTAL_CONTACT_SESSION_KEY (the contact's id) at sign-in. Only
    this contact's confirmed affiliations grant member terms; nothing typed into a form does."""
    contact = getattr(request, "portal_contact", None)
    if isinstance(contact, Contact):
        return contact
    session = getattr(request, "session", None)
    pk = session.get(PORTAL_CONTACT_SESSION_KEY) if session is not None else None
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return Contact.objects.filter(pk=pk).first()


def member_organization_of(contact: Contact, *, organization_name: str = "") -> Organization | None:
    """The member organization (active or in grace) on whose record `contact` is, through a
    confirmed affiliation: the one named when it is among them, else the first. A pending link
    proposed on a public form counts for nothing."""
    if contact.pk is None:
        return None
    organizations = Organization.objects.filter(
        affiliations__contact=contact,
        affiliations__status=Affiliation.Status.CONFIRMED,
        memberships__status__in=Membership.CURRENT_STATUSES,
    ).distinct()
    normalized = normalize_org_name(organization_name) if organization_name else ""
    if normalized:
        named = organizations.filter(normalized_name=normalized).order_by("pk").first()
        if named is not None:
            return named
    return organizations.order_by("pk").first()


def organization_pending_affiliations(organization: Organization) -> QuerySet[Affiliation]:
    """The links public forms proposed for `organization`, waiting for confirmation."""
    return (
        Affiliation.objects.filter(organization=organization, status=Affiliation.Status.PENDING)
        .select_related("contact")
        .order_by("created", "pk")
    )


def organization_is_member(organization_id: int) -> bool:
    """Active or in grace: member prices and member-only tickets."""
    return Membership.objects.filter(
        organization_id=organization_id, status__in=Membership.CURRENT_STATUSES
    ).exists()


def plan_list_public() -> QuerySet[MembershipPlan]:
    """With this year's dues deductibility setting (a join's first invoice mail prints it)."""
    from billing.documents import deductibility_annotations

    return (
        MembershipPlan.objects.filter(offered_publicly=True, is_active=True)
        .prefetch_related("brackets")
        .annotate(**deductibility_annotations())
    )


def plan_public(code: str) -> MembershipPlan | None:
    """The plan offered publicly under `code` (plan_list_public()'s), with its brackets read in
    the same query: the plan joined to them, one row a bracket (one row for a plan without),
    the brackets then handed to the plan as if prefetched. A join and a quote price it at once."""
    rows = list(
        plan_list_public()
        .prefetch_related(None)
        .filter(code=code)
        .annotate(
            bracket_pk=F("brackets__pk"),
            bracket_max_employees=F("brackets__max_employees"),
            bracket_amount=F("brackets__amount"),
        )
        .order_by("brackets__max_employees")
    )
    if not rows:
        return None
    plan = rows[0]
    brackets = [
        PlanBracket(
            pk=row.bracket_pk,  # type: ignore[attr-defined]
            plan=plan,
            max_employees=row.bracket_max_employees,  # type: ignore[attr-defined]
            amount=row.bracket_amount,  # type: ignore[attr-defined]
        )
        for row in rows
        if row.bracket_pk is not None  # type: ignore[attr-defined]
    ]
    keep_prefetched(plan, "brackets", brackets)
    return plan


def investor_level_list_public() -> QuerySet[InvestorLevel]:
    return InvestorLevel.objects.filter(offered_publicly=True)


def application_by_reference(reference: str) -> Membership | None:
    return (
        Membership.objects.select_related("organization", "plan")
        .filter(reference=reference)
        .first()
    )


def pledge_by_reference(reference: str) -> Pledge | None:
    return (
        Pledge.objects.select_related("organization", "level")
        .prefetch_related("installments")
        .filter(reference=reference)
        .first()
    )


def organization_directory(*, q: str = "", category: str = "") -> QuerySet[Organization]:
    """Members in good standing that agreed to be listed, searchable by name, industry or city
    and filtered by a category's slug. Two queries whatever the page size (member_since comes
    from a subquery, the categories from one prefetch)."""
    current = Membership.objects.filter(
        organization=OuterRef("pk"), status__in=Membership.CURRENT_STATUSES
    )
    organizations = (
        Organization.objects.filter(directory_listed=True)
        .filter(Exists(current))
        .annotate(member_since=Subquery(current.values("member_since")[:1]))
        .prefetch_related("directory_categories")
    )
    if category:
        organizations = organizations.filter(directory_categories__slug=category)
    for word in q.split():
        organizations = organizations.filter(
            Q(name__icontains=word) | Q(industry__icontains=word) | Q(city__icontains=word)
        )
    return organizations.order_by("name", "pk")


def directory_logo_of(organization_id: int, name: str) -> Any:
    """The logo file of a listed member when `name` is its stored file's name, else None."""
    organization = (
        organization_directory()
        .prefetch_related(None)
        .filter(pk=organization_id)
        .exclude(directory_logo="")
        .only("pk", "directory_logo")
        .first()
    )
    if organization is None or (organization.directory_logo.name or "").rsplit("/", 1)[-1] != name:
        return None
    return organization.directory_logo


def directory_categories() -> QuerySet[DirectoryCategory]:
    return DirectoryCategory.objects.order_by("name")


# --- Likely duplicates ------------------------------------------------------------------------

# Trigram similarity above which two different normalized names are reported (PostgreSQL).
SIMILAR_NAME_THRESHOLD = 0.75


@dataclass
class DuplicateGroup:
    reason: str
    records: list[Any]


def organization_duplicate_groups(*, limit: int = 200) -> list[DuplicateGroup]:
    """Organizations that are likely one business: the same normalized name, the same web or
    mail domain, or (on PostgreSQL with pg_trgm) names that are nearly the same."""
    keys: list[tuple[str, list[int]]] = []
    same_name = (
        Organization.objects.values("normalized_name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("normalized_name")[:limit]
    )
    for row in same_name:
        ids = Organization.objects.filter(normalized_name=row["normalized_name"])
        keys.append(
            (f"same name “{row['normalized_name']}”", list(ids.values_list("pk", flat=True)))
        )
    same_domain = (
        Organization.objects.exclude(email_domain="")
        .values("email_domain")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("email_domain")[:limit]
    )
    for domain_row in same_domain:
        domain = domain_row["email_domain"]
        if not domain_from_email(f"x@{domain}"):
            continue  # a public mail provider says nothing about the business
        in_domain = Organization.objects.filter(email_domain=domain)
        keys.append((f"same domain {domain}", list(in_domain.values_list("pk", flat=True))))
    for a, b, score in _similar_organization_names(limit=limit):
        keys.append((f"similar names ({round(score * 100)}% alike)", [a, b]))
    return _groups(keys, organization_list(), limit=limit)


def contact_duplicate_groups(*, limit: int = 200) -> list[DuplicateGroup]:
    """Contacts that are likely one person: the same name at the same organization, or the same
    name and phone. (Two contacts never share an email: the database refuses it.)"""
    keys: list[tuple[str, list[int]]] = []
    same_place = (
        Affiliation.objects.annotate(
            first=Lower("contact__first_name"), last=Lower("contact__last_name")
        )
        .values("organization_id", "organization__name", "first", "last")
        .annotate(n=Count("contact_id", distinct=True))
        .filter(n__gt=1)
        .order_by("organization__name", "last", "first")[:limit]
    )
    for row in same_place:
        ids = Affiliation.objects.filter(
            organization_id=row["organization_id"],
            contact__first_name__iexact=row["first"],
            contact__last_name__iexact=row["last"],
        ).values_list("contact_id", flat=True)
        keys.append((f"same name at {row['organization__name']}", list(ids)))
    same_phone = (
        Contact.objects.exclude(phone="")
        .annotate(first=Lower("first_name"), last=Lower("last_name"))
        .values("first", "last", "phone")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("last", "first")[:limit]
    )
    for phone_row in same_phone:
        same = Contact.objects.filter(
            first_name__iexact=phone_row["first"],
            last_name__iexact=phone_row["last"],
            phone=phone_row["phone"],
        ).values_list("pk", flat=True)
        keys.append((f"same name and phone {phone_row['phone']}", list(same)))
    contacts = Contact.objects.prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization"))
    )
    return _groups(keys, contacts, limit=limit)


def trigram_search_available() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def _similar_organization_names(*, limit: int) -> list[tuple[int, int, float]]:
    if not trigram_search_available():
        return []
    table = connection.ops.quote_name(Organization._meta.db_table)
    # `%` uses the trigram index (at pg_trgm's loose default threshold); the similarity()
    # test then keeps only the near-identical names.
    sql = f"""
        SELECT a.id, b.id, similarity(a.normalized_name, b.normalized_name) AS score
        FROM {table} a JOIN {table} b
          ON a.id < b.id AND a.normalized_name %% b.normalized_name
        WHERE a.normalized_name <> b.normalized_name
          AND similarity(a.normalized_name, b.normalized_name) >= %s
        ORDER BY score DESC, a.id, b.id
        LIMIT %s
    """  # the only interpolation is our own table name
    with connection.cursor() as cursor:
        cursor.execute(sql, [SIMILAR_NAME_THRESHOLD, limit])
        return [(a, b, float(score)) for a, b, score in cursor.fetchall()]


def _groups(
    keys: list[tuple[str, list[int]]], queryset: QuerySet, *, limit: int
) -> list[DuplicateGroup]:
    wanted = {pk for _, ids in keys for pk in ids}
    records = queryset.in_bulk(wanted) if wanted else {}
    groups, seen = [], set()
    for reason, ids in keys:
        key = frozenset(ids)
        if len(key) < 2 or key in seen:
            continue
        seen.add(key)
        groups.append(DuplicateGroup(reason=reason, records=[records[pk] for pk in sorted(key)]))
    return groups[:limit]


# --- Organizations by name --------------------------------------------------------------------


def organization_by_name(name: str) -> Organization | None:
    """The organization a visitor means by `name` ('ACME, Inc.' finds 'Acme'), preferring a
    member when several share the spelling."""
    normalized = normalize_org_name(name)
    if not normalized:
        return None
    candidates = Organization.objects.filter(normalized_name=normalized).annotate(
        is_member=Exists(
            Membership.objects.filter(
                organization=OuterRef("pk"), status__in=Membership.CURRENT_STATUSES
            )
        )
    )
    return candidates.order_by("-is_member", "pk").first()


def membership_renewals_overview(*, today: date) -> dict[str, QuerySet[Membership]]:
    """The renewals page's groups: due in the next 60 days and not yet invoiced, invoiced and
    not yet reminded, reminded, in grace, lapsed this month."""
    next_period = InvoiceLine.objects.filter(
        membership=OuterRef("pk"),
        kind=InvoiceLine.Kind.MEMBERSHIP,
        period_start__gt=OuterRef("paid_through"),
        invoice__status=Invoice.Status.OPEN,
    )
    billed_next = InvoiceLine.objects.filter(
        membership=OuterRef("pk"),
        kind=InvoiceLine.Kind.MEMBERSHIP,
        period_start__gt=OuterRef("paid_through"),
        invoice__status__in=STANDING,
    )
    reminded = next_period.filter(invoice__reminders__isnull=False)
    base = Membership.objects.select_related("organization", "plan").order_by("paid_through", "pk")
    current = base.filter(status__in=Membership.CURRENT_STATUSES)
    return {
        "due": current.filter(
            status=Membership.Status.ACTIVE,
            paid_through__gte=today,
            paid_through__lte=today + timedelta(days=60),
        ).exclude(Exists(billed_next)),
        "invoiced": current.filter(Exists(next_period)).exclude(Exists(reminded)),
        "reminded": current.filter(Exists(reminded)),
        "grace": base.filter(status=Membership.Status.GRACE),
        "lapsed": base.filter(
            status=Membership.Status.LAPSED,
            status_changed_at__date__gte=today.replace(day=1),
            status_changed_at__date__lte=today.replace(
                day=calendar.monthrange(today.year, today.month)[1]
            ),
        ),
    }


def membership_renewal_quote(membership: Membership) -> Any:
    """The quote of the membership's next period as its renewal invoice will price it (the
    plan's rule for that period, or the plan of a downgrade waiting for it, and the
    organization's employees today); None for a membership that is not renewed (not in good
    standing, or with no paid-through date)."""
    from crm import pricing
    from crm.models import MembershipPlanChange

    if membership.status not in Membership.CURRENT_STATUSES or membership.paid_through is None:
        return None
    start = membership.paid_through + timedelta(days=1)
    change = (
        MembershipPlanChange.objects.filter(
            membership=membership,
            status=MembershipPlanChange.Status.PENDING,
            effective_date=start,
        )
        .select_related("to_plan")
        .first()
    )
    plan = change.to_plan if change is not None else membership.plan
    return pricing.quote(
        plan.pricing_rule(on=start),
        employees=membership.organization.employees or 0,
        start=start,
    )


# The account owners' reads (engagement, members at risk, the overview) live in accounts.py.
from crm.selectors.accounts import AtRisk as AtRisk  # noqa: E402
from crm.selectors.accounts import account_overview as account_overview  # noqa: E402
from crm.selectors.accounts import members_at_risk as members_at_risk  # noqa: E402
from crm.selectors.accounts import organization_engagement as organization_engagement  # noqa: E402
