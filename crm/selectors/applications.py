"""What staff read on an application's review page: the applicant, the size of the business,
the dues quote for its plan, and its dues invoice."""

from dataclasses import dataclass
from decimal import Decimal

from billing.models import Invoice
from billing.selectors import invoice_for_membership
from crm import pricing
from crm.models import Affiliation, Membership


@dataclass(frozen=True)
class ApplicationReview:
    membership: Membership
    people: list[Affiliation]
    quote: pricing.Quote | None
    quote_problem: str
    invoice: Invoice | None
    amount_due: Decimal | None

    @property
    def address(self) -> str:
        organization = self.membership.organization
        place = " ".join(p for p in (organization.state, organization.postal_code) if p)
        parts = (
            organization.address_line1,
            organization.address_line2,
            organization.city,
            place,
        )
        return ", ".join(p for p in parts if p)


def application_review(membership: Membership) -> ApplicationReview:
    """The application's organization with its people (the primary representatives first, the
    links still pending included: an applicant matched to a known business waits there), the
    quote of its plan for the organization's employees from its start date, and its dues
    invoice with what is still due on it."""
    people = list(
        Affiliation.objects.filter(organization_id=membership.organization_id)
        .select_related("contact")
        .order_by("-is_primary", "-is_billing", "contact__last_name", "pk")[:10]
    )
    quote, problem = None, ""
    try:
        quote = pricing.quote(
            membership.plan.pricing_rule(on=membership.start_date),
            employees=membership.organization.employees or 0,
            start=membership.start_date,
        )
    except ValueError as exc:  # a plan whose rule cannot price this business
        problem = str(exc)
    invoice = invoice_for_membership(membership)
    return ApplicationReview(
        membership=membership,
        people=people,
        quote=quote,
        quote_problem=problem,
        invoice=invoice,
        amount_due=None if invoice is None else invoice.amount_due,
    )
