from crm.models.base import TimeStampedModel
from crm.models.investors import InvestorLevel, Pledge, PledgeInstallment
from crm.models.mail import EmailLog
from crm.models.memberships import Membership, MembershipPlanChange, MembershipTransition
from crm.models.notes import Note
from crm.models.organizations import Affiliation, Contact, County, Organization
from crm.models.plans import BillingCycle, MembershipPlan, PlanBracket, PricingKind, Proration

__all__ = [
    "Affiliation",
    "BillingCycle",
    "Contact",
    "County",
    "EmailLog",
    "InvestorLevel",
    "Membership",
    "MembershipPlan",
    "MembershipPlanChange",
    "MembershipTransition",
    "Note",
    "Organization",
    "PlanBracket",
    "Pledge",
    "PledgeInstallment",
    "PricingKind",
    "Proration",
    "TimeStampedModel",
]
