from crm.models.base import TimeStampedModel
from crm.models.events import Attendee, Event, Registration, TicketType
from crm.models.investors import InvestorLevel, Pledge, PledgeInstallment
from crm.models.memberships import Membership, MembershipTransition
from crm.models.notes import Note
from crm.models.organizations import Affiliation, Contact, County, Organization
from crm.models.plans import BillingCycle, MembershipPlan, PlanBracket, PricingKind, Proration

__all__ = [
    "Affiliation",
    "Attendee",
    "BillingCycle",
    "Contact",
    "County",
    "Event",
    "InvestorLevel",
    "Membership",
    "MembershipPlan",
    "MembershipTransition",
    "Note",
    "Organization",
    "PlanBracket",
    "Pledge",
    "PledgeInstallment",
    "PricingKind",
    "Proration",
    "Registration",
    "TicketType",
    "TimeStampedModel",
]
