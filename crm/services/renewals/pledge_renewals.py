"""Pledges that renew: before a pledge's last installment falls due, the daily run proposes the
next pledge to the investor (the same level, or the next one when the organization's giving has
reached it, with the amount explained); staff, or later the primary representative in the portal,
accept it (the next pledge is made and confirmed, once) or decline it. The organization's account
owner gets a task to follow the proposal up, due on the last installment's day."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from billing.money import format_usd
from core.exceptions import ServiceError
from core.mail import send_templated
from core.services import locked_transition, user_or_none, validated_save
from crm.models import InvestorLevel, Pledge, PledgeInstallment, PledgeRenewalProposal
from crm.schedule import term_end
from crm.services.applications.investing import investment_confirm
from crm.services.applications.mail import _primary_emails
from crm.services.pipeline import task_create
from crm.services.pledges import pledge_create
from crm.services.renewals.report import RENEWAL_PROPOSALS, RunReport, _each

ProposalStatus = PledgeRenewalProposal.Status


def _next_level(level: InvestorLevel) -> InvestorLevel | None:
    return (
        InvestorLevel.objects.filter(minimum_annual_amount__gt=level.minimum_annual_amount)
        .order_by("minimum_annual_amount", "sort_order", "pk")
        .first()
    )


def _organization_giving(pledge: Pledge, on: date) -> Decimal:
    """What the organization gives a year across its confirmed pledges running on `on`."""
    running = Pledge.objects.filter(
        organization_id=pledge.organization_id,
        status=Pledge.Status.CONFIRMED,
        start_date__lte=on,
    ).only("annual_amount", "start_date", "term_years")
    return sum(
        (p.annual_amount for p in running if term_end(p.start_date, p.term_years) > on),
        Decimal("0.00"),
    )


def pledge_renewal_terms(*, pledge: Pledge, today: date) -> tuple[InvestorLevel, Decimal, str]:
    """The level and annual amount to propose for the pledge that follows `pledge`, and the
    sentence that explains them to the investor and to staff."""
    level = pledge.level
    giving = _organization_giving(pledge, today)
    upper = _next_level(level)
    if upper is not None and giving >= upper.minimum_annual_amount:
        amount = max(pledge.annual_amount, upper.minimum_annual_amount)
        return (
            upper,
            amount,
            f"{pledge.organization} gives {format_usd(giving)} a year across its pledges, which "
            f"reaches the {upper} level (from {format_usd(upper.minimum_annual_amount)} a year): "
            f"we propose {upper} at {format_usd(amount)} a year, "
            + (
                "the amount of the current pledge."
                if amount == pledge.annual_amount
                else "the level's minimum."
            ),
        )
    amount = max(pledge.annual_amount, level.minimum_annual_amount)
    sentence = f"We propose the {level} level again at {format_usd(amount)} a year, " + (
        "the amount of the current pledge."
        if amount == pledge.annual_amount
        else f"the level's minimum today (the current pledge gives "
        f"{format_usd(pledge.annual_amount)})."
    )
    if upper is not None:
        sentence += (
            f" The next level, {upper}, starts at {format_usd(upper.minimum_annual_amount)} a "
            f"year; {pledge.organization} gives {format_usd(giving)} a year across its pledges."
        )
    return level, amount, sentence


def _investor_emails(pledge: Pledge) -> list[str]:
    if pledge.contact is not None and pledge.contact.email:
        return [pledge.contact.email]
    return _primary_emails(pledge.organization)


def pledge_renewal_propose(
    *, pledge: Pledge, today: date | None = None, by: Any = None
) -> PledgeRenewalProposal:
    """Propose the next pledge to the investor (mail to the pledge's contact, or the
    organization's primary representatives). A pledge gets one proposal: asking again returns it."""
    today = today or timezone.localdate()
    with transaction.atomic():
        pledge = (
            Pledge.objects.select_for_update(of=("self",))
            .select_related("organization__account_owner", "level", "contact")
            .get(pk=pledge.pk)
        )
        existing = PledgeRenewalProposal.objects.filter(pledge=pledge).first()
        if existing is not None:
            return existing
        if pledge.status != Pledge.Status.CONFIRMED:
            raise ServiceError(
                f"A pledge that is {pledge.get_status_display().lower()} is not renewed."
            )
        level, amount, explanation = pledge_renewal_terms(pledge=pledge, today=today)
        proposal = PledgeRenewalProposal(
            pledge=pledge,
            level=level,
            annual_amount=amount,
            start_date=term_end(pledge.start_date, pledge.term_years),
            explanation=explanation,
            status_changed_at=timezone.now(),
        )
        try:
            # The one-to-one row is what makes a pledge proposed once, even by two runs at once.
            with transaction.atomic():
                validated_save(proposal, by=by)
        except IntegrityError:
            return PledgeRenewalProposal.objects.get(pledge=pledge)
        _follow_up_task(pledge, proposal, by=by)
        send_templated(
            to=_investor_emails(pledge),
            template="pledge_renewal_proposal",
            subject=f"Renewing the investment of {pledge.organization} in the MetroHartford "
            f"Alliance",
            context={"proposal": proposal, "pledge": pledge, "organization": pledge.organization},
            reason=f"renewal proposal of pledge {pledge.reference}",
            organization=pledge.organization,
            contact=pledge.contact,
        )
    return proposal


def _follow_up_task(pledge: Pledge, proposal: PledgeRenewalProposal, *, by: Any) -> None:
    """A task for the organization's account owner (when it has an active staff one) to follow
    the proposal up with the investor, due on the day the pledge's last installment falls due."""
    owner = pledge.organization.account_owner
    if owner is None or not (owner.is_active and owner.is_staff):
        return
    last_due = pledge.installments.aggregate(last=Max("due_date"))["last"] or proposal.start_date
    task_create(
        title=f"Renewal of the {pledge.level} investment of {pledge.organization}",
        assignee=owner,
        due_date=last_due,
        organization=pledge.organization,
        notes=f"Proposed: {proposal.level} at {format_usd(proposal.annual_amount)} a year from "
        f"{proposal.start_date:%B %-d, %Y}. {proposal.explanation}",
        by=by,
    )


def pledge_renewal_accept(
    *, proposal: PledgeRenewalProposal, by: Any = None, today: date | None = None
) -> Pledge:
    """The investor takes the proposal: the next pledge (the proposed level and amount, from the
    day the current one ends, the same term and installments) is made and confirmed through the
    pledge services. Accepting again returns the same pledge."""
    with transaction.atomic():
        locked = (
            PledgeRenewalProposal.objects.select_for_update(of=("self",))
            .select_related("pledge__organization", "pledge__contact", "level", "next_pledge")
            .get(pk=proposal.pk)
        )
        if locked.status == ProposalStatus.ACCEPTED and locked.next_pledge is not None:
            proposal.refresh_from_db()
            return locked.next_pledge
        current = locked.pledge
        if locked.status != ProposalStatus.PROPOSED:
            raise ServiceError(
                f"The renewal of {current.organization} was "
                f"{locked.get_status_display().lower()}: it cannot be accepted."
            )
        if current.status not in (Pledge.Status.CONFIRMED, Pledge.Status.COMPLETED):
            raise ServiceError(
                f"The pledge it renews is {current.get_status_display().lower()}: it cannot be "
                f"renewed."
            )
        pledge = pledge_create(
            organization=current.organization,
            level=locked.level,
            contact=current.contact,
            annual_amount=locked.annual_amount,
            start_date=locked.start_date,
            term_years=current.term_years,
            installments_per_year=current.installments_per_year,
            message=f"Renews pledge {current.reference}.",
            by=by,
        )
        locked_transition(
            proposal,
            to=ProposalStatus.ACCEPTED,
            allowed_from=(ProposalStatus.PROPOSED,),
            noun="renewal proposal",
            verb="accepted",
            by=by,
            reason="accepted",
            updates={"next_pledge": pledge, "decided_by": user_or_none(by)},
            locked=locked,
        )
        investment_confirm(pledge=pledge, by=by, reason="renewal proposal accepted", today=today)
    return pledge


def pledge_renewal_decline(
    *, proposal: PledgeRenewalProposal, by: Any = None, reason: str
) -> PledgeRenewalProposal:
    """The investor does not renew (say why): the proposal is closed and no pledge is made."""
    if not reason.strip():
        raise ServiceError("Say why the renewal is declined.", field="reason")
    with transaction.atomic():
        locked_transition(
            proposal,
            to=ProposalStatus.DECLINED,
            allowed_from=(ProposalStatus.PROPOSED,),
            noun="renewal proposal",
            verb="declined",
            by=by,
            reason=reason.strip(),
            updates={"decided_by": user_or_none(by)},
        )
    return proposal


def _step_renewal_proposals(report: RunReport) -> None:
    """Confirmed pledges whose last installment falls due within PLEDGE_RENEWAL_LEAD_DAYS and that
    have no proposal yet."""
    horizon = report.today + timedelta(days=settings.PLEDGE_RENEWAL_LEAD_DAYS)
    last_due = (
        PledgeInstallment.objects.filter(pledge=OuterRef("pk"))
        .values("pledge")
        .annotate(last=Max("due_date"))
        .values("last")
    )
    candidates = (
        Pledge.objects.filter(status=Pledge.Status.CONFIRMED)
        .annotate(last_due=last_due)
        .filter(last_due__lte=horizon)
        .exclude(Exists(PledgeRenewalProposal.objects.filter(pledge=OuterRef("pk"))))
        .select_related("organization", "level")
        .order_by("last_due", "pk")
    )
    # A pledge whose term is already over is not proposed a renewal starting in the past.
    pledges = [p for p in candidates if term_end(p.start_date, p.term_years) > report.today]
    if report.dry_run:
        for pledge in pledges:
            report.add(
                RENEWAL_PROPOSALS, f"{pledge.organization}: renewal of the {pledge.level} pledge"
            )
        return

    def propose(pledge: Pledge) -> None:
        proposal = pledge_renewal_propose(pledge=pledge, today=report.today)
        report.add(
            RENEWAL_PROPOSALS,
            f"{pledge.organization}: renewal proposed ({proposal.level}, "
            f"{format_usd(proposal.annual_amount)} a year from {proposal.start_date})",
        )

    _each(report, "pledge", pledges, propose)
