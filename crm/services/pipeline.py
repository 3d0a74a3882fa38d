"""The relationship with an organization: its account owner, its stage as a prospect, the tasks
staff set themselves, the interactions they record, the inquiries the website sends, and the
weekly summary each account owner gets. One service per action; the admin, the staff API, the
public API and the command call these."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.exceptions import InvalidData, ServiceError, TransitionNotAllowed
from core.mail import send_templated
from core.services import (
    all_or_nothing,
    atomic,
    refresh_from,
    set_change_reason,
    user_or_none,
    validated_save,
    with_history_user,
)
from crm import selectors
from crm.models import (
    AccountSummary,
    Affiliation,
    Contact,
    Inquiry,
    Interaction,
    Membership,
    Organization,
    Pledge,
    Prospect,
    Task,
)
from crm.services.applications.matching import (
    ContactInput,
    OrganizationInput,
    _affiliate,
    _find_or_create_contact,
    _find_or_create_organization,
    _serialize_matching,
)

Stage = Prospect.Stage

# Where a prospect may go from each stage. Won is final (the business is a member or investor
# now, through its own application or pledge); a lost prospect may be picked up again as a lead.
STAGE_MOVES: dict[str, tuple[str, ...]] = {
    Stage.LEAD: (Stage.CONTACTED, Stage.PROPOSAL, Stage.LOST),
    Stage.CONTACTED: (Stage.LEAD, Stage.PROPOSAL, Stage.LOST),
    Stage.PROPOSAL: (Stage.CONTACTED, Stage.WON, Stage.LOST),
    Stage.WON: (),
    Stage.LOST: (Stage.LEAD,),
}
# Where a new prospect may start.
FIRST_STAGES = (Stage.LEAD, Stage.CONTACTED, Stage.PROPOSAL)


def _is_staff(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.is_staff)


def _is_customer(organization: Organization) -> bool:
    """A membership or pledge in progress or in force: such a business is not a prospect."""
    return (
        Membership.objects.filter(
            organization=organization, status__in=Membership.OPEN_STATUSES
        ).exists()
        or Pledge.objects.filter(
            organization=organization,
            status__in=(Pledge.Status.SUBMITTED, Pledge.Status.CONFIRMED),
        ).exists()
    )


def _amount(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise InvalidData("The amount proposed must be more than zero.", field="amount_proposed")
    return value.quantize(Decimal("0.01"))


def prospect_move_stage(
    *,
    organization: Organization,
    stage: str,
    amount_proposed: Decimal | None = None,
    note: str = "",
    by: Any = None,
) -> Prospect:
    """Put the organization at `stage` of the pipeline, starting it as a prospect when it is
    not one yet (then it must have no membership or pledge in progress). A proposal names the
    amount proposed; won and lost close the prospect (lost may be reopened as a lead). Asking
    for the stage it is already at changes only the amount, when one is given."""
    if stage not in Stage.values:
        raise InvalidData(f"{stage!r} is not a stage of the pipeline.", field="stage")
    amount = _amount(amount_proposed)
    note = note.strip()
    with atomic():
        # The organization's row is the lock: two clicks cannot both start its prospect.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        prospect = Prospect.objects.select_for_update().filter(organization=organization).first()
        if prospect is None:
            if stage not in FIRST_STAGES:
                raise TransitionNotAllowed(
                    "A new prospect starts as a lead, contacted or with a proposal; it is won "
                    "or lost later."
                )
            if _is_customer(organization):
                raise ServiceError(
                    f"{organization.name} has a membership or a pledge in progress: it is not "
                    "a prospect."
                )
            prospect = Prospect(organization=organization, stage=Stage.LEAD)
            current = None
        else:
            current = prospect.stage
            if stage != current and stage not in STAGE_MOVES[current]:
                allowed = ", ".join(Stage(s).label.lower() for s in STAGE_MOVES[current])
                raise TransitionNotAllowed(
                    f"A prospect at “{Stage(current).label.lower()}” cannot move to "
                    f"“{Stage(stage).label.lower()}”"
                    + (f"; it can move to: {allowed}." if allowed else "; won is final.")
                )
        if stage == current and amount in (None, prospect.amount_proposed):
            return prospect  # already there: a retried click changes nothing
        if amount is not None:
            prospect.amount_proposed = amount
        if stage == Stage.PROPOSAL and prospect.amount_proposed is None:
            raise InvalidData("A proposal needs the amount proposed.", field="amount_proposed")
        prospect.organization = organization
        prospect.stage = stage
        if stage != current:
            prospect.stage_changed_at = timezone.now()
            prospect.stage_note = note
        reason = (
            f"{Stage(current).label} → {Stage(stage).label}" if current else "new prospect"
        ) + (f": {note}" if note else "")
        set_change_reason(prospect, reason)
        validated_save(prospect, by=by, checked=["organization"])
    return prospect


def task_create(
    *,
    title: str,
    assignee: Any,
    due_date: date,
    organization: Organization | None = None,
    notes: str = "",
    by: Any = None,
) -> Task:
    """A task for a staff member, due on a day, usually about an organization."""
    if not _is_staff(assignee):
        raise InvalidData("A task is assigned to an active staff member.", field="assignee")
    task = Task(
        title=title.strip(),
        notes=notes.strip(),
        assignee=assignee,
        due_date=due_date,
        organization=organization,
        created_by=user_or_none(by),
    )
    validated_save(task, by=by)
    return task


def task_update(
    *,
    task: Task,
    title: str | None = None,
    notes: str | None = None,
    assignee: Any = None,
    due_date: date | None = None,
    done: bool | None = None,
    reason: str = "",
    by: Any = None,
) -> Task:
    """Edit a task: its title, notes, assignee or due date, or mark it done or reopen it. What
    is not given stays; the history names what changed, with `reason`, and who changed it.
    Bad input (an empty title, an assignee who is not active staff) is refused naming the
    field, and nothing changes; an edit that changes nothing writes nothing."""
    if title is not None and not title.strip():
        raise InvalidData("A task needs a title.", field="title")
    notes_length = Task._meta.get_field("notes").max_length or 0
    if notes is not None and len(notes.strip()) > notes_length:
        raise InvalidData(f"Notes are at most {notes_length} characters.", field="notes")
    if assignee is not None and not _is_staff(assignee):
        raise InvalidData("A task is assigned to an active staff member.", field="assignee")
    if due_date is not None and not isinstance(due_date, date):
        raise InvalidData("Give the due date as a date.", field="due_date")
    with atomic():
        locked = (
            Task.objects.select_for_update(of=("self",))
            .select_related("organization", "assignee", "done_by", "created_by")
            .get(pk=task.pk)
        )
        changes: list[str] = []
        if title is not None and title.strip() != locked.title:
            locked.title = title.strip()
            changes.append("title")
        if notes is not None and notes.strip() != locked.notes:
            locked.notes = notes.strip()
            changes.append("notes")
        if assignee is not None and assignee.pk != locked.assignee_id:
            locked.assignee = assignee
            changes.append(f"assigned to {assignee.get_username()}")
        if due_date is not None and due_date != locked.due_date:
            changes.append(f"due {locked.due_date.isoformat()} → {due_date.isoformat()}")
            locked.due_date = due_date
        if done is not None and done != locked.is_done:
            locked.done_at = timezone.now() if done else None
            locked.done_by = user_or_none(by) if done else None
            changes.append("done" if done else "reopened")
        if changes:
            why = reason.strip()
            set_change_reason(locked, "; ".join(changes) + (f": {why}" if why else ""))
            validated_save(locked, by=by)
    refresh_from(task, locked)
    return task


def task_complete(*, task: Task, by: Any = None) -> Task:
    """Mark the task done (who and when); a task already done stays as it was."""
    return task_update(task=task, done=True, by=by)


def interaction_record(
    *,
    organization: Organization,
    kind: str,
    occurred_on: date,
    summary: str,
    contact: Contact | None = None,
    by: Any = None,
    source: str = "",
) -> Interaction:
    """A call, meeting, email or event attended, on the organization's timeline. `source`: what
    recorded it by itself ("registration:<reference>" for a check-in): recorded once, however
    often it is asked, and withdrawn with interaction_withdraw()."""
    if source:
        existing = Interaction.objects.filter(source=source).first()
        if existing is not None:
            return existing
    if occurred_on > timezone.localdate():
        raise InvalidData("An interaction is recorded once it has happened.", field="occurred_on")
    if (
        contact is not None
        and not Affiliation.objects.filter(organization=organization, contact=contact).exists()
    ):
        raise InvalidData(
            f"{contact.full_name} is not linked to {organization.name}.", field="contact"
        )
    interaction = Interaction(
        organization=organization,
        contact=contact,
        kind=kind,
        occurred_on=occurred_on,
        summary=summary.strip(),
        recorded_by=user_or_none(by),
        source=source,
    )
    validated_save(interaction, by=by)
    return interaction


def interaction_withdraw(*, source: str, by: Any = None) -> int:
    """Remove the interaction the system recorded for `source` (a check-in that was undone);
    those staff recorded are never touched. Returns how many were removed (0 or 1)."""
    if not source:
        return 0
    removed, _ = Interaction.objects.filter(source=source).delete()
    return removed


def organization_set_account_owner(
    *, organization: Organization, owner: Any, by: Any = None
) -> Organization:
    """Give the organization an account owner (an active staff member), or none."""
    if owner is not None and not _is_staff(owner):
        raise InvalidData("The account owner is an active staff member.", field="account_owner")
    with atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        new_id = owner.pk if owner is not None else None
        if locked.account_owner_id != new_id:
            locked.account_owner = owner
            with_history_user(locked, by)
            set_change_reason(locked, f"account owner: {owner.get_username() if owner else 'none'}")
            locked.save(update_fields=["account_owner", "modified"])
    organization.account_owner = owner
    return organization


def inquiry_submit(
    *, kind: str, organization: OrganizationInput, contact: ContactInput, message: str
) -> Inquiry:
    """A business writing in from the website's site-selector or contact form: its organization
    and person found (same name, website domain, email) or created and linked, the inquiry
    recorded, the organization started as a lead when it is nobody's customer or prospect yet,
    and its account owner (else the membership staff) told. The caller learns nothing about
    what existed before."""
    if kind not in Inquiry.Kind.values:
        raise InvalidData(f"{kind!r} is not a kind of inquiry.", field="kind")
    with all_or_nothing():
        _serialize_matching()
        org, notes, new = _find_or_create_organization(organization)
        person, person_notes = _find_or_create_contact(contact, role="inquirer")
        links = (
            []
            if new
            else list(Affiliation.objects.filter(organization=org).select_related("contact"))
        )
        notes += person_notes
        notes += _affiliate(
            contact=person,
            organization=org,
            title=contact.title,
            billing=False,
            primary=new,
            links=links,
            # A form only proposes a link to an organization already on record (pending).
            existing_organization=not new,
        )
        inquiry = Inquiry(
            kind=kind,
            organization=org,
            contact=person,
            message=message.strip(),
            match_note="\n".join(notes),
        )
        validated_save(inquiry)
        # Made just now: it has no prospect yet (nor a membership or pledge).
        has_prospect = not new and Prospect.objects.filter(organization=org).exists()
        if not has_prospect and (new or not _is_customer(org)):
            prospect = Prospect(
                organization=org,
                stage=Stage.LEAD,
                source=Prospect.Source.WEBSITE,
                stage_changed_at=timezone.now(),
                stage_note=f"{inquiry.get_kind_display()} from the website",
            )
            set_change_reason(prospect, "new prospect: inquiry from the website")
            validated_save(prospect, checked=["organization"])
        owner = org.account_owner
        to = [owner.email] if owner is not None and owner.email else []
        send_templated(
            to=to or list(settings.MEMBERSHIP_STAFF_EMAILS),
            template="inquiry_staff",
            subject=f"New {inquiry.get_kind_display().lower()} inquiry: {org.name}",
            context={"inquiry": inquiry, "organization": org, "contact": person},
            reason=f"inquiry {inquiry.pk}",
            organization=org,
            contact=person,
        )
    return inquiry


# --- The weekly summary ---------------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday of the week `day` is in."""
    return day - timedelta(days=day.weekday())


@dataclass
class SummaryRun:
    sent: int = 0
    already_sent: int = 0
    without_address: int = 0


def account_summaries_send(*, today: date | None = None) -> SummaryRun:
    """Send each staff member who owns accounts or has open tasks the week's summary: their
    organizations, tasks due, prospects by stage and members at risk. Once per week and person:
    a second run that week sends nothing (the AccountSummary row says it went)."""
    today = today or timezone.localdate()
    monday = week_start(today)
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(owned_organizations__isnull=False)
            | Q(crm_tasks__isnull=False, crm_tasks__done_at__isnull=True)
        )
        .distinct()
        .order_by("pk")
    )
    run = SummaryRun()
    for user in users:
        if not user.email:
            run.without_address += 1
            continue
        try:
            # The unique row first: of two runs at once, one inserts and sends, the other
            # finds the row taken and sends nothing.
            with transaction.atomic():
                AccountSummary.objects.create(user=user, week_start=monday)
                overview = selectors.account_overview(user=user, today=today)
                send_templated(
                    to=[user.email],
                    template="account_summary",
                    subject=f"Your accounts, week of {monday:%B} {monday.day}",
                    context={"user": user, "week_start": monday, **overview},
                    reason=f"weekly account summary, week of {monday.isoformat()}",
                )
        except IntegrityError:
            run.already_sent += 1
            continue
        run.sent += 1
    return run
