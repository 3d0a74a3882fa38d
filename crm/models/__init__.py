from crm.models.benefits import Benefit, BenefitGrant, BenefitUsage, PortalSignIn
from crm.models.dues import (
    DuesDeductibility,
    DuesSchedule,
    DuesScheduleBracket,
    DuesScheduleRule,
)
from crm.models.investors import (
    InvestorLevel,
    Pledge,
    PledgeInstallment,
    PledgeRenewalProposal,
    PledgeToConfirm,
)
from crm.models.mail import EmailLog
from crm.models.memberships import (
    Application,
    Membership,
    MembershipPlanChange,
    MembershipTransition,
)
from crm.models.notes import Note
from crm.models.organizations import (
    Affiliation,
    Contact,
    County,
    DirectoryCategory,
    Organization,
)
from crm.models.pipeline import AccountSummary, Inquiry, Interaction, Prospect, Task
from crm.models.plans import BillingCycle, MembershipPlan, PlanBracket, PricingKind, Proration

__all__ = [
    "AccountSummary",
    "Affiliation",
    "Application",
    "Benefit",
    "BenefitGrant",
    "BenefitUsage",
    "BillingCycle",
    "Contact",
    "County",
    "DirectoryCategory",
    "DuesDeductibility",
    "DuesSchedule",
    "DuesScheduleBracket",
    "DuesScheduleRule",
    "EmailLog",
    "Inquiry",
    "Interaction",
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
    "PledgeRenewalProposal",
    "PledgeToConfirm",
    "PortalSignIn",
    "PricingKind",
    "Proration",
    "Prospect",
    "Task",
]
