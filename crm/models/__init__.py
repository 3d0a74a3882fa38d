from crm.models.base import TimeStampedModel
from crm.models.investors import InvestorLevel, Pledge, PledgeInstallment, PledgeToConfirm
from crm.models.memberships import Application, Membership, MembershipTransition
from crm.models.notes import Note
from crm.models.organizations import Affiliation, Contact, County, Organization
from crm.models.plans import BillingCycle, MembershipPlan, PlanBracket, PricingKind, Proration

__all__ = [
    "Affiliation",
    "Application",
    "BillingCycle",
    "Contact",
    "County",
    "InvestorLevel",
    "Membership",
    "MembershipPlan",
    "MembershipTransition",
    "Note",
    "Organization",
    "PlanBracket",
    "Pledge",
    "PledgeInstallment",
    "PledgeToConfirm",
    "PricingKind",
    "Proration",
    "TimeStampedModel",
]
