"""An organization with `rows` of every kind its admin page shows: every timeline source
(membership steps, plan changes, notes, interactions, mail, invoices issued, paid and void,
payments, refunds, disputes, registrations and check-ins), every panel (benefits granted by its
plan and its level and used, portal sign-ins and changes made in the portal, pending colleague
links, credit entries, directory categories) and every inline. Used by the page's query count
(tests/crm/test_admin_organization_page.py)."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.utils import timezone

from billing import services as billing
from billing.models import CreditEntry, Dispute
from billing.services.invoice_drafts import DraftLineSpec
from crm.models import (
    Affiliation,
    Contact,
    DirectoryCategory,
    EmailLog,
    Interaction,
    Membership,
    MembershipPlanChange,
    MembershipTransition,
    Organization,
    Pledge,
    PortalSignIn,
)
from crm.services.benefits import benefit_use
from crm.services.pipeline import interaction_record
from events.services import AttendeeDetails, registration_check_in, registration_create
from portal.models import DirectoryChange
from portal.services import portal_account
from tests.api.staff.conftest import make_payment, make_refund
from tests.factories import (
    AffiliationFactory,
    BenefitGrantFactory,
    MembershipFactory,
    NoteFactory,
    OrganizationFactory,
    PlanFactory,
    PledgeFactory,
    TicketTypeFactory,
)


def _invoice(organization: Organization, number: int) -> object:
    draft = billing.invoice_create_draft(
        organization=organization,
        lines=[DraftLineSpec(f"Sponsorship {number}", Decimal("250.00"), "4300")],
        explanation="Sponsorship.",
        reason="sponsorship",
    )
    return billing.invoice_issue(invoice=draft)


def busy_organization(rows: int) -> Organization:
    """An organization with `rows` (two at least) of each kind of row its page shows."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        organization = OrganizationFactory()
        primary = AffiliationFactory(organization=organization, is_primary=True, is_billing=True)
        plan, other_plan = PlanFactory(), PlanFactory()
        membership = MembershipFactory(
            organization=organization,
            plan=plan,
            status=Membership.Status.ACTIVE,
            paid_through=timezone.localdate() + timedelta(days=200),
        )
        pledge = PledgeFactory(
            organization=organization,
            status=Pledge.Status.CONFIRMED,
            start_date=timezone.localdate() - timedelta(days=10),
            term_years=2,
        )
        plan_grant = BenefitGrantFactory(plan=plan, level=None, quantity=rows * 2)
        level_grant = BenefitGrantFactory(level=pledge.level, quantity=rows * 2)
        ticket = TicketTypeFactory(member_price=Decimal(0), non_member_price=Decimal(0))
        account = portal_account(primary.contact)
        for number in range(rows):
            person = AffiliationFactory(organization=organization, is_primary=False).contact
            AffiliationFactory(
                organization=organization, status=Affiliation.Status.PENDING, is_primary=False
            )
            organization.directory_categories.add(
                DirectoryCategory.objects.create(
                    name=f"Category {organization.pk}-{number}", slug=f"c{organization.pk}-{number}"
                )
            )
            NoteFactory(organization=organization)
            interaction_record(
                organization=organization,
                kind=Interaction.Kind.CALL,
                occurred_on=timezone.localdate() - timedelta(days=number),
                summary=f"Call {number}.",
                contact=person,
            )
            MembershipTransition.objects.create(
                membership=membership, from_status="active", to_status="active", reason="Renewed"
            )
            MembershipPlanChange.objects.create(
                membership=membership,
                from_plan=plan,
                to_plan=other_plan,
                kind=MembershipPlanChange.Kind.choices[0][0],
                status=MembershipPlanChange.Status.choices[-1][0],
                effective_date=timezone.localdate(),
            )
            EmailLog.objects.create(
                organization=organization, recipients="a@example.com", subject=f"Hello {number}"
            )
            paid = _invoice(organization, number)
            payment = make_payment(paid, amount="250.00")
            make_refund(payment, amount="10.00")
            Dispute.objects.create(
                payment=payment, stripe_dispute_id=f"dp_{organization.pk}_{number}", amount=1
            )
            billing.invoice_void(invoice=_invoice(organization, number), reason="A mistake")
            CreditEntry.objects.create(
                organization=organization, kind=CreditEntry.Kind.ADDED, amount=Decimal("5.00")
            )
            registration = registration_create(
                event=ticket.event,
                ticket_type=ticket,
                contact=person,
                organization_name=organization.name,
                attendees=[AttendeeDetails(first_name=person.first_name, last_name="Guest")],
            )
            registration_check_in(registration=registration)
            benefit_use(organization=organization, benefit=plan_grant.benefit)
            benefit_use(organization=organization, benefit=level_grant.benefit)
            PortalSignIn.objects.create(contact=primary.contact, signed_in_at=timezone.now())
            # One listing change waits at a time; each save is a row of its history.
            listing, _ = DirectoryChange.objects.get_or_create(
                organization=organization, contact=primary.contact, defaults={"listed": True}
            )
            listing.text = f"Listing {number}"
            listing.save()
    # The changes made through the portal: the history rows of the organization, its people's
    # links and details, its listing's held changes and its membership, as made by a portal
    # login.
    for model, where in (
        (Organization, {"id": organization.pk}),
        (Affiliation, {"organization_id": organization.pk}),
        (Contact, {"id__in": organization.affiliations.values("contact_id")}),
        (DirectoryChange, {"organization_id": organization.pk}),
        (Membership, {"organization_id": organization.pk}),
    ):
        model.history.filter(**where).update(  # type: ignore[attr-defined]
            history_user=account.user, history_change_reason="Member portal"
        )
    assert connection.in_atomic_block
    return organization
