"""Joining and investing online: what the public API's POST join/ and POST invest/ do.

Each submission runs in one transaction: it finds the records the chamber already has for the
business and the person (same email; same organization by normalized name or website domain),
links to them instead of making duplicates and flags the match for staff, then creates the
membership or the pledge through the lifecycle services. Mail goes out only after the commit, so
nobody is told about a record that was rolled back.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone

from billing.models import Invoice, Payment
from billing.money import ZERO
from billing.selectors import invoice_for_membership, invoice_list
from billing.services import (
    invoice_create_for_installment,
    invoice_create_for_membership,
    invoice_issue,
    invoice_open_new,
    invoice_void,
    refund_create,
)
from core.exceptions import ServiceError
from core.mail import mail_batch, send_templated
from core.services import all_or_nothing
from crm import pricing
from crm.models import (
    Affiliation,
    Contact,
    InvestorLevel,
    Membership,
    MembershipPlan,
    Organization,
    Pledge,
)
from crm.normalize import domain_from_website, normalize_email, normalize_org_name
from crm.services.memberships import _membership_approve, _membership_reject, membership_create
from crm.services.organizations import affiliation_save, contact_save, organization_save
from crm.services.pledges import _pledge_confirm, _pledge_decline, pledge_create

# How far a start date may lie from today: a little back (an application finished after the
# first of the month), up to a year ahead.
START_BACK_DAYS = 31
START_AHEAD_DAYS = 366


@dataclass(frozen=True)
class AddressInput:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class OrganizationInput:
    name: str
    website: str = ""
    employees: int | None = None
    phone: str = ""
    address: AddressInput = field(default_factory=AddressInput)
    industry: str = ""
    directory_listed: bool = False


@dataclass(frozen=True)
class ContactInput:
    first_name: str
    last_name: str
    email: str
    phone: str = ""
    title: str = ""


@dataclass
class Match:
    """What the submission was linked to; `notes` are the sentences staff read. `payer`: who
    the dues invoice goes to (as bill_to() would choose, from the links read while matching)."""

    organization: Organization
    contact: Contact
    notes: list[str] = field(default_factory=list)
    payer: Contact | None = None

    @property
    def found_existing(self) -> bool:
        return bool(self.notes)

    @property
    def note(self) -> str:
        return "\n".join(self.notes)


@dataclass
class SubmittedApplication:
    membership: Membership
    quote: pricing.Quote
    invoice: Any = None


# --- Finding what already exists ---------------------------------------------------------------


def _fill_blanks(instance: Any, values: dict[str, Any]) -> tuple[list[str], bool]:
    """Copy values into empty fields only; an existing record's data is never overwritten by an
    anonymous form. Returns the names of the fields that differ and were left alone, and
    whether any blank was filled (else there is nothing to save)."""
    differing = []
    filled = False
    for name, value in values.items():
        if value in ("", None):
            continue
        current = getattr(instance, name)
        if current in ("", None):
            setattr(instance, name, value)
            filled = True
        elif current != value:
            differing.append(name)
    return differing, filled


def _find_or_create_contact(data: ContactInput, *, role: str) -> tuple[Contact, list[str]]:
    email = normalize_email(data.email)
    existing = Contact.objects.select_for_update().filter(email__iexact=email).first()
    values = {
        "first_name": data.first_name,
        "last_name": data.last_name,
        "phone": data.phone,
        "title": data.title,
    }
    if existing is None:
        contact = Contact(email=email, **values)
        try:
            # Another submission with the same address may be creating it at this moment: the
            # unique index decides (so it is not asked beforehand), and the loser links to the
            # winner's row.
            with transaction.atomic():
                contact_save(contact=contact, checked=["email"])
            return contact, []
        except IntegrityError:
            existing = Contact.objects.select_for_update().get(email__iexact=email)
    differing, filled = _fill_blanks(existing, values)
    if filled:
        contact_save(contact=existing, checked=["email"])  # found by this very address
    note = f"The {role} ({email}) is an existing contact, {existing.full_name}"
    if {"first_name", "last_name"} & set(differing):
        note += f"; the form gave the name {data.first_name} {data.last_name}"
    return existing, [note + "."]


def _find_organization(data: OrganizationInput) -> tuple[Organization | None, str]:
    """The existing organization with the same normalized name, else the first with the same
    website domain: one query for both (the name wins)."""
    name_key = normalize_org_name(data.name)
    domain = domain_from_website(data.website)
    same = Q(pk__in=[])
    if name_key:
        same |= Q(normalized_name=name_key)
    if domain:
        same |= Q(email_domain=domain)
    if not (name_key or domain):
        return None, ""
    found = (
        Organization.objects.select_for_update()
        .filter(same)
        .order_by(
            Case(When(normalized_name=name_key, then=0), default=1) if name_key else "pk", "pk"
        )
        .first()
    )
    if found is None:
        return None, ""
    if name_key and found.normalized_name == name_key:
        return found, f"same name as the existing organization “{found.name}”"
    return found, f"website domain {domain} belongs to the existing organization “{found.name}”"


def _find_or_create_organization(
    data: OrganizationInput,
) -> tuple[Organization, list[str], bool]:
    """The organization, the notes for staff, and whether it was created just now."""
    values = {
        "website": data.website,
        "phone": data.phone,
        "address_line1": data.address.line1,
        "address_line2": data.address.line2,
        "city": data.address.city,
        "state": data.address.state,
        "postal_code": data.address.postal_code,
        "industry": data.industry,
        "employees": data.employees,
    }
    existing, why = _find_organization(data)
    if existing is None:
        organization = Organization(
            name=data.name, directory_listed=data.directory_listed, **values
        )
        organization_save(organization=organization)
        return organization, [], True
    differing, filled = _fill_blanks(existing, values)
    if filled:
        organization_save(organization=existing)
    note = f"Linked to an existing organization: the form's “{data.name}” has the {why}"
    if "employees" in differing:
        note += f"; the form says {data.employees} employees, the record {existing.employees}"
    if data.directory_listed and not existing.directory_listed:
        note += "; the applicant asked to be listed in the directory (not changed)"
    return existing, [note + "."], False


def _affiliate(
    *,
    contact: Contact,
    organization: Organization,
    title: str,
    billing: bool,
    primary: bool,
    links: list[Affiliation],
) -> list[str]:
    """Link the contact to the organization. `links` are the organization's affiliations as
    read under the matching lock (none for a new organization); a new one is added to them."""
    affiliation = next((a for a in links if a.contact_id == contact.pk), None)
    if affiliation is not None:
        # The rows at hand, so that saving it does not check they exist.
        affiliation.contact, affiliation.organization = contact, organization
    notes = []
    if affiliation is None:
        has_primary = any(a.is_primary for a in links)
        affiliation = Affiliation(
            contact=contact,
            organization=organization,
            title=title,
            is_primary=primary and not has_primary,
        )
        links.append(affiliation)
        if primary and has_primary:
            notes.append(
                f"{contact.full_name} is now linked to {organization.name}, which already has a "
                f"primary representative (left as it was)."
            )
    if billing:
        if affiliation.pk is not None and affiliation.is_billing:
            return notes  # nothing changes
        affiliation.is_billing = True
    elif affiliation.pk is not None:
        return notes  # linked already, nothing changes
    # Looked up just now, under the matching lock: a new link with no primary to move, or the
    # existing link with its contact, organization and primary role unchanged.
    affiliation_save(affiliation=affiliation, checked=True)
    return notes


def _payer(links: list[Affiliation]) -> Contact | None:
    """bill_to()'s choice among the links: the billing contact, else the primary
    representative, else anyone with an address."""
    ordered = sorted(links, key=lambda a: (not a.is_billing, not a.is_primary, a.pk or 0))
    return next((a.contact for a in ordered if a.contact.email), None)


# Any constant will do: it names the one lock that online submissions take while matching.
_MATCHING_LOCK = 4_240_001


def _serialize_matching() -> None:
    """Two submissions for the same new business could each find no organization and create
    one apiece; on PostgreSQL they take turns matching (a lock released at commit). Online forms
    are few, so the wait is short. SQLite serializes writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_MATCHING_LOCK])


def _match(
    *,
    organization: OrganizationInput,
    contact: ContactInput,
    billing_contact: ContactInput | None = None,
) -> Match:
    _serialize_matching()
    org, notes, new_organization = _find_or_create_organization(organization)
    person, contact_notes = _find_or_create_contact(contact, role="applicant")
    notes += contact_notes
    # Everyone at the organization, in one read (a new one has nobody yet).
    links: list[Affiliation] = (
        []
        if new_organization
        else list(Affiliation.objects.filter(organization=org).select_related("contact"))
    )
    # The applicant pays unless someone else is named, or the business already has a payer.
    applicant_pays = billing_contact is None and not any(a.is_billing for a in links)
    notes += _affiliate(
        contact=person,
        organization=org,
        title=contact.title,
        billing=applicant_pays,
        primary=True,
        links=links,
    )
    if billing_contact is not None:
        payer, payer_notes = _find_or_create_contact(billing_contact, role="billing contact")
        notes += payer_notes
        notes += _affiliate(
            contact=payer,
            organization=org,
            title=billing_contact.title,
            billing=True,
            primary=False,
            links=links,
        )
    return Match(organization=org, contact=person, notes=notes, payer=_payer(links))


def _flag(instance: Membership | Pledge, match: Match, *, save: bool = True) -> None:
    """Flag a submission linked to existing records for staff. `save=False`: the caller saves
    the instance next anyway (one write, not two)."""
    if match.found_existing:
        instance.needs_attention = True
        instance.match_note = match.note
        if save:
            instance.save(update_fields=["needs_attention", "match_note", "modified"])


# --- Mail -----------------------------------------------------------------------------------


def _mail(
    template: str,
    subject: str,
    context: dict[str, Any],
    to: list[str],
    *,
    unverified: bool = False,
) -> None:
    """templates/emails/<template>.txt, sent once the surrounding transaction commits."""
    send_templated(
        to=to,
        template=template,
        subject=subject,
        context=context,
        reason=template,
        unverified=unverified,
    )


def _membership_staff() -> list[str]:
    return list(settings.MEMBERSHIP_STAFF_EMAILS)


def _mail_received(
    kind: str,
    context: dict[str, Any],
    *,
    to: str,
    subject: str,
    staff_subject: str,
    check_match: bool,
) -> None:
    """A submission from the website acknowledged: the one who sent it is told it arrived
    (templates/emails/<kind>_received.txt) and the membership staff that it waits for them
    (<kind>_staff.txt), asked to check the match when it was linked to existing records."""
    _mail(f"{kind}_received", subject, context, [to], unverified=True)
    _mail(
        f"{kind}_staff",
        staff_subject + (" — check the match" if check_match else ""),
        context,
        _membership_staff(),
    )


# --- Invoices -------------------------------------------------------------------------------


def _draft_dues_invoice(
    membership: Membership,
    *,
    employees: int | None,
    by: Any,
    fresh: bool = False,
    payer: Contact | None = None,
) -> Invoice:
    """The first dues invoice of an approved application, from its start date. `employees` is
    what the applicant declared (the number the quote used), else the record's. `fresh`: the
    membership was made in the caller's open transaction."""
    return invoice_create_for_membership(
        membership=membership,
        period_start=membership.start_date,
        employees=employees,
        by=by,
        # The plan as the caller has it, with its brackets loaded (the same plan).
        plan=membership.plan,
        fresh=fresh,
        contact=payer,
    )


def _issue(invoice: Invoice, *, by: Any, opened: bool = False) -> Invoice:
    """Number the invoice, hand it to Stripe when configured and mail it to the payer. Runs
    after the application's own transaction has committed: a slow or failing Stripe never
    undoes the application (the invoice then shows payment instructions and staff see the
    Stripe error on it)."""
    return invoice_issue(invoice=invoice, by=by, opened=opened)


def application_invoice(membership: Membership) -> Invoice | None:
    """The dues invoice an application's public status page shows, or None."""
    return invoice_for_membership(membership)


def pledge_invoices(pledge: Pledge) -> dict[int, Invoice]:
    """The issued invoices of a pledge's installments, by installment id, in one query."""
    invoices = (
        invoice_list()
        .filter(lines__pledge_installment__pledge=pledge)
        .exclude(status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT])
        .annotate(installment_id=F("lines__pledge_installment_id"))
        .order_by("issue_date", "pk")
    )
    # A later invoice for the same installment (after a void) replaces the earlier one.
    return {invoice.installment_id: invoice for invoice in invoices}  # type: ignore[attr-defined]


# --- Joining --------------------------------------------------------------------------------


def _quote_for(plan: MembershipPlan, organization: OrganizationInput, start: date) -> pricing.Quote:
    return pricing.quote(
        plan.pricing_rule(on=start), employees=organization.employees or 0, start=start
    )


def application_submit(
    *,
    plan: MembershipPlan,
    organization: OrganizationInput,
    contact: ContactInput,
    billing_contact: ContactInput | None = None,
    start_date: date,
    message: str = "",
) -> SubmittedApplication:
    """An application to join from the website: the organization and its people (found or
    created), the membership (`applied`, or `approved` when the plan needs no review), its dues
    invoice, and mail to the applicant and the membership staff. All or nothing."""
    if not (plan.is_active and plan.offered_publicly):
        raise ServiceError("This plan is not offered for joining online.", field="plan")
    quote = _quote_for(plan, organization, start_date)
    with all_or_nothing():
        match = _match(organization=organization, contact=contact, billing_contact=billing_contact)
        try:
            membership = membership_create(
                organization=match.organization,
                plan=plan,
                start_date=start_date,
                source=Membership.Source.WEBSITE,
                message=message,
                # Matching locked it (select_for_update) or created it just now.
                organization_locked=True,
            )
        except ServiceError:
            # Said without naming the plan or state of someone else's membership.
            raise ServiceError(
                "This organization already has a membership or an application in progress. "
                "Please contact the membership team.",
                field="organization.name",
            ) from None
        # Approval below saves the membership anyway: the flag rides along.
        _flag(membership, match, save=plan.requires_review)
        if not plan.requires_review:
            _membership_approve(
                membership=membership, reason="the plan needs no review", fresh=True
            )
        # The dues are invoiced with the application (docs/public-api.md): a business can pay
        # at once.
        # Paying does not skip review: the payment waits on the application and approval
        # activates it; a rejection voids or refunds the invoice.
        draft = _draft_dues_invoice(
            membership, employees=organization.employees, by=None, fresh=True, payer=match.payer
        )
        # Numbered with the application (a rollback gives the number back); Stripe and the
        # mail wait for the commit.
        invoice_open_new(invoice=draft, by=None)
    # The invoice mail and the two below go out together (mail_batch: two queries, not six).
    with mail_batch():
        invoice = _issue(draft, by=None, opened=True)
        context = {
            "membership": membership,
            "contact": match.contact,
            "organization": match.organization,
            "plan": plan,
            "quote": quote,
            "invoice": invoice,
            "match_note": membership.match_note,
        }
        _mail_received(
            "application",
            context,
            to=match.contact.email,
            subject=f"Your application to join the MetroHartford Alliance ({membership.reference})",
            staff_subject=f"New membership application: {match.organization.name} ({plan.name})",
            check_match=bool(membership.match_note),
        )
    # Made just now: nothing has been paid on it (its answer need not ask).
    invoice.paid_sum = ZERO  # type: ignore[attr-defined]
    return SubmittedApplication(membership=membership, quote=quote, invoice=invoice)


def application_approve(*, membership: Membership, by: Any = None, reason: str = "") -> Membership:
    """Staff accept an application: approved, its dues invoice issued, the applicant told."""
    with transaction.atomic():
        was_applied = membership.status == Membership.Status.APPLIED
        _membership_approve(membership=membership, by=by, reason=reason)
        if not was_applied:
            return membership
        # The join already issued it; applications entered by staff get theirs now.
        draft = application_invoice(membership) or _draft_dues_invoice(
            membership, employees=None, by=by
        )
    invoice = draft if draft.status != Invoice.Status.DRAFT else _issue(draft, by=by)
    _mail(
        "application_approved",
        "Welcome to the MetroHartford Alliance: your application is approved",
        {"membership": membership, "invoice": invoice, "explanation": invoice.explanation},
        _primary_emails(membership.organization),
    )
    return membership


def application_reject(*, membership: Membership, by: Any = None, reason: str) -> Membership:
    """Staff turn an application down; the applicant is told the reason."""
    with transaction.atomic():
        was_applied = membership.status == Membership.Status.APPLIED
        _membership_reject(membership=membership, by=by, reason=reason)
        if was_applied:
            _settle_rejected_invoice(membership, by=by)
            _mail(
                "application_rejected",
                f"Your application to the MetroHartford Alliance ({membership.reference})",
                {"membership": membership, "reason": membership.status_reason},
                _primary_emails(membership.organization),
            )
    return membership


def _settle_rejected_invoice(membership: Membership, *, by: Any) -> None:
    """A rejected applicant owes nothing: an unpaid dues invoice is voided, a paid one refunded."""
    invoice = application_invoice(membership)
    if invoice is None:
        return
    reason = f"application {membership.reference} rejected"
    if (
        invoice.status == Invoice.Status.OPEN
        and not invoice.payments.filter(status=Payment.Status.SUCCEEDED).exists()
    ):
        invoice_void(invoice=invoice, reason=reason, by=by)
        return
    for payment in invoice.payments.filter(status=Payment.Status.SUCCEEDED):
        if payment.refundable > 0:
            refund_create(payment=payment, reason=reason, by=by)


def _primary_emails(organization: Organization) -> list[str]:
    return list(
        Affiliation.objects.filter(organization=organization, is_primary=True)
        .exclude(contact__email="")
        .values_list("contact__email", flat=True)
    )


# --- Investing ------------------------------------------------------------------------------


def investment_submit(
    *,
    level: InvestorLevel,
    annual_amount: Decimal,
    term_years: int,
    installments_per_year: int,
    start_date: date,
    organization: OrganizationInput,
    contact: ContactInput,
    message: str = "",
) -> Pledge:
    """A commitment to invest from the website: a submitted pledge with its schedule, linked to
    the records that already exist, and mail to the investor and the staff. All or nothing."""
    if not level.offered_publicly:
        raise ServiceError("This level is not offered online.", field="level")
    with all_or_nothing():
        match = _match(organization=organization, contact=contact)
        pledge = pledge_create(
            organization=match.organization,
            level=level,
            contact=match.contact,
            annual_amount=annual_amount,
            start_date=start_date,
            term_years=term_years,
            installments_per_year=installments_per_year,
            message=message,
        )
        _flag(pledge, match)
        with mail_batch():
            context = {
                "pledge": pledge,
                "contact": match.contact,
                "organization": match.organization,
                "installments": list(pledge.installments.all()),
                "match_note": pledge.match_note,
            }
            _mail_received(
                "pledge",
                context,
                to=match.contact.email,
                subject="Thank you for your commitment to invest in the MetroHartford Alliance "
                f"({pledge.reference})",
                staff_subject=f"New investment commitment: {match.organization.name}, {level.name}",
                check_match=bool(pledge.match_note),
            )
    return pledge


def investment_confirm(
    *, pledge: Pledge, by: Any = None, reason: str = "", today: date | None = None
) -> Pledge:
    """Staff confirm a pledge: every installment gets its invoice (a draft dated when it falls
    due), those due within the invoice lead time are issued now, and the investor is told."""
    with transaction.atomic():
        was_submitted = pledge.status == Pledge.Status.SUBMITTED
        _pledge_confirm(pledge=pledge, by=by, reason=reason)
        if not was_submitted:
            return pledge
        for installment in pledge.installments.all():
            invoice_create_for_installment(installment=installment, by=by)
    issued = investment_issue_due_invoices(pledge=pledge, by=by, today=today)
    _mail(
        "pledge_confirmed",
        f"Your investment in the MetroHartford Alliance is confirmed ({pledge.reference})",
        {"pledge": pledge, "installments": list(pledge.installments.all()), "issued": issued},
        _pledge_recipients(pledge),
    )
    return pledge


def investment_issue_due_invoices(
    *, pledge: Pledge, by: Any = None, today: date | None = None
) -> list[Invoice]:
    """Issue the pledge's draft installment invoices that fall due within the invoice lead time
    (INVOICE_DAYS_UNTIL_DUE days), oldest first; the later ones stay drafts until then. Safe to
    run again: issued invoices are left as they are."""
    horizon = (today or timezone.localdate()) + timedelta(days=settings.INVOICE_DAYS_UNTIL_DUE)
    drafts = (
        Invoice.objects.filter(
            status=Invoice.Status.DRAFT,
            lines__pledge_installment__pledge=pledge,
            due_date__lte=horizon,
        )
        .distinct()
        .order_by("due_date", "pk")
    )
    return [invoice_issue(invoice=invoice, by=by) for invoice in drafts]


def investment_decline(*, pledge: Pledge, by: Any = None, reason: str) -> Pledge:
    with transaction.atomic():
        was_submitted = pledge.status == Pledge.Status.SUBMITTED
        _pledge_decline(pledge=pledge, by=by, reason=reason)
        if was_submitted:
            _mail(
                "pledge_declined",
                f"Your investment commitment to the MetroHartford Alliance ({pledge.reference})",
                {"pledge": pledge, "reason": pledge.status_reason},
                _pledge_recipients(pledge),
            )
    return pledge


def _pledge_recipients(pledge: Pledge) -> list[str]:
    if pledge.contact is not None and pledge.contact.email:
        return [pledge.contact.email]
    return _primary_emails(pledge.organization)
