"""What the portal's pages read, scoped to one organization (the permission check has already
said the contact may see it)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from billing.models import Invoice, Payment
from billing.money import ZERO, format_usd
from billing.selectors import invoice_list_with_lines_and_payments
from billing.services.credits import credit_balance
from crm.models import (
    Affiliation,
    Contact,
    Membership,
    MembershipPlan,
    MembershipPlanChange,
    Organization,
    Pledge,
    PledgeInstallment,
    PledgeRenewalProposal,
    PortalSignIn,
)
from crm.selectors import membership_renewal_quote
from crm.selectors.timeline_read import Read, newest_first, newest_rows, person
from events.models import Event, Registration
from events.selectors import event_list_public


def affiliations_of(contact: Contact) -> QuerySet[Affiliation]:
    """The organizations the contact is at (a link still pending confirmation is not one)."""
    return (
        Affiliation.objects.filter(contact=contact, status=Affiliation.Status.CONFIRMED)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def current_membership(organization: Organization) -> Membership | None:
    """The organization's open membership, else its latest."""
    memberships = Membership.objects.filter(organization=organization).select_related(
        "plan", "organization"
    )
    return (
        memberships.filter(status__in=Membership.OPEN_STATUSES).first()
        or memberships.order_by("-start_date", "-pk").first()
    )


def is_current_member(organization: Organization) -> bool:
    return Membership.objects.filter(
        organization=organization, status__in=Membership.CURRENT_STATUSES
    ).exists()


def invoices_of(organization: Organization) -> QuerySet[Invoice]:
    """The organization's issued invoices (no drafts), newest first, with their lines,
    payments and balances."""
    return (
        invoice_list_with_lines_and_payments()
        .filter(organization=organization)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("-issue_date", "-pk")
    )


def invoice_of(organization: Organization, pk: int) -> Invoice | None:
    return invoices_of(organization).filter(pk=pk).first()


def payment_of(organization: Organization, pk: int) -> Payment | None:
    return (
        Payment.objects.filter(invoice__organization=organization, pk=pk)
        .exclude(invoice__status=Invoice.Status.DRAFT)
        .first()
    )


@dataclass
class Glance:
    """The organization at a glance: its membership, next renewal, what is due, investments."""

    organization: Organization
    membership: Membership | None
    renewal_date: date | None = None
    renewal_quote: Any = None
    due: list[Invoice] = field(default_factory=list)
    credit: Decimal = ZERO
    pledges: list[Pledge] = field(default_factory=list)

    @property
    def total_due(self) -> Decimal:
        return sum((invoice.amount_due for invoice in self.due), ZERO)


def glance(organization: Organization, *, with_money: bool) -> Glance:
    membership = current_membership(organization)
    result = Glance(organization=organization, membership=membership)
    result.pledges = list(
        Pledge.objects.filter(
            organization=organization,
            status__in=[Pledge.Status.CONFIRMED, Pledge.Status.SUBMITTED],
        )
        .select_related("level")
        .order_by("-start_date", "-pk")
    )
    if with_money:
        _attach_schedules(result.pledges)
    if membership is not None and membership.paid_through is not None and membership.is_current:
        result.renewal_date = membership.paid_through + timedelta(days=1)
    if not with_money:
        return result
    if membership is not None:
        result.renewal_quote = membership_renewal_quote(membership)
    result.due = [
        invoice
        for invoice in invoices_of(organization).filter(status__in=Invoice.PAYABLE_STATUSES)
        if invoice.amount_due > ZERO
    ]
    result.credit = credit_balance(organization)
    return result


@dataclass(frozen=True)
class ScheduledInstallment:
    """One installment of a pledge as its payer sees it: when, how much, and where it stands
    (its invoice, with the pay link while something is due)."""

    installment: PledgeInstallment
    invoice: Invoice | None

    @property
    def state(self) -> str:
        if self.installment.settled_outside:
            return "Paid before it was entered here"
        if self.invoice is None:
            return "Not invoiced yet"
        if self.invoice.status == Invoice.Status.PAID:
            return "Paid"
        return f"Invoice {self.invoice.number}: {format_usd(self.invoice.amount_due)} due"


def _attach_schedules(pledges: list[Pledge]) -> None:
    """Each pledge's `schedule`: its installments with the invoice standing for each (not a
    voided one), in two queries for all the pledges."""
    if not pledges:
        return
    installments = PledgeInstallment.objects.filter(pledge__in=pledges).order_by(
        "pledge_id", "number"
    )
    lines = (
        invoice_list_with_lines_and_payments()
        .filter(lines__pledge_installment__pledge__in=pledges)
        .exclude(status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT])
        .distinct()
    )
    invoice_of: dict[int, Invoice] = {}
    for invoice in lines:
        for line in invoice.lines.all():
            if line.pledge_installment_id is not None:
                invoice_of[line.pledge_installment_id] = invoice
    by_pledge: dict[int, list[ScheduledInstallment]] = {}
    for installment in installments:
        by_pledge.setdefault(installment.pledge_id, []).append(
            ScheduledInstallment(installment, invoice_of.get(installment.pk))
        )
    for pledge in pledges:
        pledge.schedule = by_pledge.get(pledge.pk, [])  # type: ignore[attr-defined]


def plans_to_change_to(membership: Membership) -> QuerySet[MembershipPlan]:
    """The plans a member may move to by themselves: those offered on the join page, but its
    own (a plan staff keep for some members, say municipal partners, is staff's to give)."""
    return (
        MembershipPlan.objects.filter(is_active=True, offered_publicly=True)
        .exclude(pk=membership.plan_id)
        .prefetch_related("brackets")
        .order_by("sort_order", "name")
    )


def pending_plan_change(membership: Membership) -> MembershipPlanChange | None:
    return (
        MembershipPlanChange.objects.filter(
            membership=membership, status=MembershipPlanChange.Status.PENDING
        )
        .select_related("to_plan")
        .first()
    )


def renewal_proposals_of(organization: Organization) -> QuerySet[PledgeRenewalProposal]:
    """The organization's pledge renewal proposals still open, with their explanation."""
    return (
        PledgeRenewalProposal.objects.filter(
            pledge__organization=organization,
            status=PledgeRenewalProposal.Status.PROPOSED,
        )
        .select_related("pledge__level", "level")
        .order_by("start_date", "pk")
    )


def last_sign_in_of(contact: Contact) -> datetime | None:
    """When the contact last signed in to the portal (crm's PortalSignIn rows, the one record
    of sign-ins); None when never. One query."""
    return PortalSignIn.objects.filter(contact=contact).aggregate(at=Max("signed_in_at"))["at"]


@dataclass(frozen=True)
class Activity:
    """One thing a contact did in the portal: signed in, or changed a record."""

    at: Any
    contact: str
    what: str


ACTIVITY_LIMIT = 50


def portal_activity(organization: Organization, *, limit: int = ACTIVITY_LIMIT) -> list[Activity]:
    """What the organization's people did in the portal, most recent first: their sign-ins and
    the changes recorded in the history as made through the portal (by a portal login) on the
    organization, its people's places there, their own details, its listing's held changes and
    its memberships. At most `limit` entries, in one query (crm.selectors.timeline_read)."""
    from portal.models import DirectoryChange

    contact_ids = Affiliation.objects.filter(organization=organization).values("contact_id")
    sources: list[tuple[Any, dict[str, Any], str]] = [
        (Organization, {"id": organization.pk}, "Organization"),
        (Affiliation, {"organization_id": organization.pk}, "Colleague"),
        (Contact, {"id__in": contact_ids}, "Own details"),
        (DirectoryChange, {"organization_id": organization.pk}, "Directory change"),
        (Membership, {"organization_id": organization.pk}, "Membership"),
    ]
    by = "history_user__portal_account__contact__"
    reads = [
        Read(
            rows=PortalSignIn.objects.filter(contact_id__in=contact_ids).order_by(
                "-signed_in_at", "-pk"
            ),
            fields={
                "at": "signed_in_at",
                "first": "contact__first_name",
                "last": "contact__last_name",
            },
        ),
        *(
            Read(
                rows=model.history.filter(
                    **where, history_user__portal_account__isnull=False
                ).order_by("-history_date", "-history_id"),
                fields={
                    "at": "history_date",
                    "first": f"{by}first_name",
                    "last": f"{by}last_name",
                    "reason": "history_change_reason",
                },
            )
            for model, where, _ in sources
        ),
    ]
    labels = ["", *(label for _, _, label in sources)]
    found = []
    for rank, pk, row in newest_rows(reads, limit=limit):
        what = f"{labels[rank]}: {row['reason'] or '—'}" if rank else "Signed in"
        activity = Activity(row["at"], person(row["first"], row["last"]) or "", what)
        found.append(((row["at"], -rank, pk), activity))
    return newest_first(found, limit=limit)


# --- events -----------------------------------------------------------------------------------


def events_open_for_registration(now: datetime | None = None) -> list[Event]:
    """Upcoming published events whose registration is open now, soonest first, with their
    ticket types and seats left (events.selectors.event_list_public)."""
    now = now or timezone.now()
    return [event for event in event_list_public(now=now) if event.registration_open_at(now)]


def event_for_registration(pk: int) -> Event | None:
    """A published event to come (its registration open or not: the page says which)."""
    return event_list_public().filter(pk=pk).first()


def registering_colleagues(organization: Organization) -> QuerySet[Affiliation]:
    """The people a registration may be made for: those confirmed at the organization (a link
    a public form proposed and nobody confirmed yet counts for nothing)."""
    return (
        Affiliation.objects.filter(organization=organization, status=Affiliation.Status.CONFIRMED)
        .select_related("contact")
        .order_by("contact__last_name", "contact__first_name", "pk")
    )


def registrations_of(
    organization: Organization, *, contact: Contact | None = None
) -> QuerySet[Registration]:
    """The organization's registrations for events to come that hold or wait for seats
    (`contact`'s only, when given), soonest first, with the number of the invoice they are paid
    through (`invoice_number`, an issued one)."""
    issued = (*Invoice.PAYABLE_STATUSES, Invoice.Status.PAID)
    invoice = Invoice.objects.filter(
        lines__registration=OuterRef("pk"), status__in=issued
    ).order_by("-pk")
    found = Registration.objects.annotate(
        invoice_number=Subquery(invoice.values("number")[:1])
    ).filter(
        organization=organization,
        status__in=Registration.ACTIVE_STATUSES,
        event__starts_at__gte=timezone.now(),
    )
    if contact is not None:
        found = found.filter(contact=contact)
    return found.select_related("event", "ticket_type", "contact").order_by(
        "event__starts_at", "contact__last_name", "pk"
    )


def registration_of(organization: Organization, pk: int) -> Registration | None:
    return (
        Registration.objects.filter(organization=organization, pk=pk)
        .select_related("event", "contact")
        .first()
    )
