"""Reads that the admin, the API and the pages share, each written once with its joins."""

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Greatest, Lower
from django.utils import timezone

from crm.models import (
    Affiliation,
    Contact,
    Event,
    InvestorLevel,
    Membership,
    MembershipPlan,
    Organization,
    Pledge,
    Registration,
    TicketType,
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
    from django.db.models import BooleanField, Case, When

    return Case(
        When(status__in=Membership.OPEN_STATUSES, then=Value(False)),
        default=Value(True),
        output_field=BooleanField(),
    )


def organization_list() -> QuerySet[Organization]:
    """Organizations with their current membership and primary representative, in one query."""
    latest = _latest_membership()
    primary = Affiliation.objects.filter(organization=OuterRef("pk"), is_primary=True)
    return Organization.objects.annotate(
        membership_id=Subquery(latest.values("pk")[:1]),
        membership_status=Subquery(latest.values("status")[:1]),
        membership_plan=Subquery(latest.values("plan__name")[:1]),
        membership_plan_code=Subquery(latest.values("plan__code")[:1]),
        membership_paid_through=Subquery(latest.values("paid_through")[:1]),
        primary_contact_id=Subquery(primary.values("contact_id")[:1]),
        primary_contact_name=Subquery(
            primary.annotate(
                full=Concat(
                    "contact__first_name",
                    Value(" "),
                    "contact__last_name",
                    output_field=CharField(),
                )
            ).values("full")[:1]
        ),
        primary_contact_email=Subquery(primary.values("contact__email")[:1]),
    )


def membership_list() -> QuerySet[Membership]:
    return Membership.objects.select_related("organization", "plan")


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


def organization_directory(*, q: str = "") -> QuerySet[Organization]:
    """Members in good standing that agreed to be listed, searchable by name, industry or city.
    One query whatever the page size (member_since comes from a subquery)."""
    current = Membership.objects.filter(
        organization=OuterRef("pk"), status__in=Membership.CURRENT_STATUSES
    )
    organizations = (
        Organization.objects.filter(directory_listed=True)
        .filter(Exists(current))
        .annotate(member_since=Subquery(current.values("member_since")[:1]))
    )
    for word in q.split():
        organizations = organizations.filter(
            Q(name__icontains=word) | Q(industry__icontains=word) | Q(city__icontains=word)
        )
    return organizations.order_by("name", "pk")


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


# --- Events -----------------------------------------------------------------------------------


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


def registration_member_organization(
    *, contact: Contact, organization_name: str = ""
) -> tuple[Organization | None, bool]:
    """The organization a registration is for and whether it earns the member price: the named
    organization when it is a member, else a member organization the contact belongs to, else
    the named organization (known but not a member) or none."""
    named = organization_by_name(organization_name) if organization_name else None
    if named is not None and organization_is_member(named.pk):
        return named, True
    if contact.pk is not None:
        member_of = (
            Organization.objects.filter(
                affiliations__contact=contact,
                memberships__status__in=Membership.CURRENT_STATUSES,
            )
            .order_by("pk")
            .first()
        )
        if member_of is not None:
            return member_of, True
    return named, False


def _seats_held_subquery() -> Subquery:
    held = (
        Registration.objects.filter(
            ticket_type=OuterRef("pk"), status__in=Registration.HOLDING_STATUSES
        )
        .order_by()
        .values("ticket_type")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return Subquery(held, output_field=IntegerField())


def _waitlisted_subquery() -> Subquery:
    waiting = (
        Registration.objects.filter(
            ticket_type=OuterRef("pk"), status=Registration.Status.WAITLISTED
        )
        .order_by()
        .values("ticket_type")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return Subquery(waiting, output_field=IntegerField())


def ticket_types_with_seats() -> QuerySet:
    """Ticket types with `seats_taken`, `seats_available` and `seats_waitlisted` annotated."""
    return TicketType.objects.annotate(
        seats_taken=Coalesce(_seats_held_subquery(), 0),
        seats_waitlisted=Coalesce(_waitlisted_subquery(), 0),
    ).annotate(
        seats_available=Greatest(F("capacity") - F("seats_taken"), 0),
    )


def event_list_public(*, now: Any = None) -> QuerySet:
    """Published events that have not ended, soonest first, with their ticket types and seats."""
    now = now or timezone.now()
    return (
        Event.objects.filter(status=Event.Status.PUBLISHED, ends_at__gt=now)
        .order_by("starts_at", "pk")
        .prefetch_related(
            Prefetch(
                "ticket_types", queryset=ticket_types_with_seats().order_by("sort_order", "pk")
            )
        )
    )


def event_list_admin() -> QuerySet:
    """Events with their seat counts, for the admin list."""
    return Event.objects.annotate(
        seats_capacity=Coalesce(
            Subquery(
                ticket_types_with_seats()
                .filter(event=OuterRef("pk"))
                .order_by()
                .values("event")
                .annotate(n=Sum("capacity"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        seats_taken=Coalesce(
            Subquery(
                Registration.objects.filter(
                    event=OuterRef("pk"), status__in=Registration.HOLDING_STATUSES
                )
                .order_by()
                .values("event")
                .annotate(n=Sum("quantity"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        people_waitlisted=Coalesce(
            Subquery(
                Registration.objects.filter(
                    event=OuterRef("pk"), status=Registration.Status.WAITLISTED
                )
                .order_by()
                .values("event")
                .annotate(n=Sum("quantity"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    )


def registration_list() -> QuerySet:
    return Registration.objects.select_related("event", "ticket_type", "contact", "organization")


def registration_by_reference(reference: str) -> Any:
    """The registration for a public reference, with what its page shows; None when unknown."""
    if not reference:
        return None
    return registration_list().prefetch_related("attendees").filter(reference=reference).first()


def registration_waitlist_position(registration: Any) -> int | None:
    """1 for the first in line; None when not on the waitlist."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        ticket_type_id=registration.ticket_type_id,
        status=Registration.Status.WAITLISTED,
        pk__lt=registration.pk,
    ).count()
    return ahead + 1


def registration_check_in_list(*, event_id: int, query: str = "") -> QuerySet:
    """The door list: confirmed and checked-in parties, searched by a person's or an
    organization's name, still-to-come first, then by name."""
    registrations = (
        registration_list()
        .prefetch_related("attendees")
        .filter(
            event_id=event_id,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.CHECKED_IN],
        )
    )
    for word in query.split()[:5]:
        registrations = registrations.filter(
            Q(contact__first_name__icontains=word)
            | Q(contact__last_name__icontains=word)
            | Q(attendees__first_name__icontains=word)
            | Q(attendees__last_name__icontains=word)
            | Q(organization__name__icontains=word)
            | Q(organization_name__icontains=word)
            | Q(reference=word)
        )
    still_to_come = Case(
        When(status=Registration.Status.CONFIRMED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return registrations.distinct().order_by(
        still_to_come, "contact__last_name", "contact__first_name", "pk"
    )


def registration_list_staff() -> QuerySet:
    """registration_list() with what the staff API shows of each registration, in two queries
    whatever the page size: its attendees, who checked it in, its place on the waitlist
    (`waitlist_place`) and the invoice it is paid through (`invoice_pk`, `invoice_number`,
    `invoice_status`, `invoice_total`: the one registration_invoice() returns)."""
    from billing.models import Invoice
    from crm.services.event_billing import STANDING

    invoice = Invoice.objects.filter(
        lines__registration=OuterRef("pk"), status__in=STANDING
    ).order_by("-pk")
    ahead = (
        Registration.objects.filter(
            ticket_type=OuterRef("ticket_type"),
            status=Registration.Status.WAITLISTED,
            pk__lt=OuterRef("pk"),
        )
        .order_by()
        .values("ticket_type")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        registration_list()
        .select_related("checked_in_by")
        .prefetch_related("attendees")
        .annotate(
            invoice_pk=Subquery(invoice.values("pk")[:1]),
            invoice_number=Subquery(invoice.values("number")[:1]),
            invoice_status=Subquery(invoice.values("status")[:1]),
            invoice_total=Subquery(invoice.values("total")[:1]),
            waitlist_place=Case(
                When(
                    status=Registration.Status.WAITLISTED,
                    then=Coalesce(Subquery(ahead, output_field=IntegerField()), 0) + 1,
                ),
                default=None,
                output_field=IntegerField(),
            ),
        )
    )


def event_list_staff() -> QuerySet:
    """event_list_admin()'s seat counts, with each event's ticket types and their seats."""
    return event_list_admin().prefetch_related(
        Prefetch("ticket_types", queryset=ticket_types_with_seats().order_by("sort_order", "pk"))
    )
