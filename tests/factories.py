from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import (
    Affiliation,
    Benefit,
    BenefitGrant,
    Contact,
    County,
    InvestorLevel,
    Membership,
    MembershipPlan,
    Note,
    Organization,
    PlanBracket,
    Pledge,
    PledgeInstallment,
)
from events.models import Event, TicketType


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")
    is_staff = True


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Business {n} LLC")
    website = factory.Sequence(lambda n: f"https://business{n}.example.com")
    city = "Hartford"
    state = "CT"
    postal_code = "06103"
    county = County.HARTFORD
    industry = "Professional services"
    employees = 25


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Rivera"
    email = factory.Sequence(lambda n: f"person{n}@business.example.com")
    title = "Owner"


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    contact = factory.SubFactory(ContactFactory)
    organization = factory.SubFactory(OrganizationFactory)
    is_primary = True


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipPlan

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")
    pricing_kind = "flat"
    flat_amount = Decimal("600.00")
    billing_cycle = "calendar"
    proration = "monthly"
    grace_days = 30


class BracketPlanFactory(PlanFactory):
    class Meta:
        skip_postgeneration_save = True

    pricing_kind = "brackets"
    per_employee_above = Decimal("5.00")
    cap = Decimal("25000.00")

    @factory.post_generation
    def brackets(self, create, extracted, **kwargs):
        if not create:
            return
        rows = extracted or [(10, "495.00"), (50, "895.00"), (100, "1450.00"), (250, "2600.00")]
        for max_employees, amount in rows:
            PlanBracket.objects.create(
                plan=self, max_employees=max_employees, amount=Decimal(amount)
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    plan = factory.SubFactory(PlanFactory)
    status = Membership.Status.APPLIED
    start_date = date(2026, 1, 1)


class InvestorLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvestorLevel

    code = factory.Sequence(lambda n: f"level-{n}")
    name = factory.Sequence(lambda n: f"Level {n}")
    minimum_annual_amount = Decimal("5000.00")
    benefits = "Recognition at the annual meeting\nQuarterly investor briefings"


class PledgeFactory(factory.django.DjangoModelFactory):
    """A pledge with its schedule stored beside it, as pledge_create leaves it."""

    class Meta:
        model = Pledge
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    level = factory.SubFactory(InvestorLevelFactory)
    annual_amount = Decimal("6000.00")
    start_date = date(2026, 1, 1)
    term_years = 1
    installments_per_year = Pledge.InstallmentsPerYear.QUARTERLY

    @factory.post_generation
    def installments(self, create, extracted, **kwargs):
        from crm.schedule import installment_schedule

        if not create:
            return
        PledgeInstallment.objects.bulk_create(
            PledgeInstallment(pledge=self, number=i.number, due_date=i.due_date, amount=i.amount)
            for i in installment_schedule(
                annual_amount=self.annual_amount,
                start=self.start_date,
                term_years=self.term_years,
                installments_per_year=self.installments_per_year,
            )
        )


class BenefitFactory(factory.django.DjangoModelFactory):
    """Complimentary seats at events tagged "luncheon"."""

    class Meta:
        model = Benefit

    code = factory.Sequence(lambda n: f"benefit-{n}")
    name = factory.Sequence(lambda n: f"Luncheon seats {n}")
    kind = Benefit.Kind.EVENT_SEATS
    event_tag = "luncheon"


class BenefitGrantFactory(factory.django.DjangoModelFactory):
    """A level's grant of a benefit (pass plan=..., level=None for a plan's)."""

    class Meta:
        model = BenefitGrant

    benefit = factory.SubFactory(BenefitFactory)
    level = factory.SubFactory(InvestorLevelFactory)
    quantity = 2


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    organization = factory.SubFactory(OrganizationFactory)
    body = factory.Sequence(lambda n: f"Called about the annual dinner ({n}).")


class EventFactory(factory.django.DjangoModelFactory):
    """A published event a month from now, open for registration."""

    class Meta:
        model = Event

    slug = factory.Sequence(lambda n: f"event-{n}")
    title = factory.Sequence(lambda n: f"Business Breakfast {n}")
    venue = "Hartford Marriott Downtown, 200 Columbus Blvd, Hartford"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=2))
    status = Event.Status.PUBLISHED


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType

    event = factory.SubFactory(EventFactory)
    code = factory.Sequence(lambda n: f"ticket-{n}")
    name = "General admission"
    member_price = Decimal("35.00")
    non_member_price = Decimal("50.00")
    capacity = 100
