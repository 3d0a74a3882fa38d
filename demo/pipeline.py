"""The pipeline of the demo: account owners for the members, prospects at every stage (a few of
them having written in from the website), tasks due for the account staff, interactions on the
organizations' timelines, and so members at risk on the dashboard. Written through the services;
run again, it adds only what is missing (organizations already owned, prospects already there,
tasks and interactions already recorded are left alone)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from crm import selectors
from crm.models import Affiliation, Inquiry, Interaction, Membership, Organization, Pledge, Task
from crm.services.applications import ContactInput, OrganizationInput
from crm.services.pipeline import (
    inquiry_submit,
    interaction_record,
    organization_set_account_owner,
    prospect_move_stage,
    task_complete,
    task_create,
)
from demo.context import DemoContext
from demo.data.pipeline import (
    AMOUNTS,
    FROM_THE_WEBSITE,
    INTERACTIONS,
    PROSPECT_STAGES,
    TASKS,
)

# The way from a lead to each stage.
PATHS = {
    "lead": ("lead",),
    "contacted": ("lead", "contacted"),
    "proposal": ("lead", "contacted", "proposal"),
    "won": ("lead", "contacted", "proposal", "won"),
    "lost": ("lead", "contacted", "lost"),
}


def _owners(ctx: DemoContext, rng) -> int:  # type: ignore[no-untyped-def]
    """Two thirds of the members to the membership staff member, the rest to the admin."""
    owners = [ctx.staff["membership"], ctx.staff["membership"], ctx.staff["admin"]]
    members = (
        Organization.objects.filter(memberships__status__in=Membership.CURRENT_STATUSES)
        .distinct()
        .order_by("pk")
    )
    given = 0
    for organization in members:
        owner = rng.choice(owners)  # drawn for every member, so the draw is the same each run
        if organization.account_owner_id is None:
            organization_set_account_owner(organization=organization, owner=owner)
            given += 1
    return given


def _prospects(ctx: DemoContext, rng) -> int:  # type: ignore[no-untyped-def]
    courted = list(
        Organization.objects.exclude(memberships__status__in=Membership.OPEN_STATUSES)
        .exclude(pledges__status__in=(Pledge.Status.SUBMITTED, Pledge.Status.CONFIRMED))
        .order_by("pk")
        .distinct()
    )
    rng.shuffle(courted)
    wanted = [stage for stage, count in PROSPECT_STAGES for _ in range(count)]
    by = ctx.staff["membership"]
    made = 0
    for number, (organization, stage) in enumerate(zip(courted, wanted, strict=False)):
        amount = Decimal(rng.choice(AMOUNTS))
        if hasattr(organization, "prospect"):
            continue
        if number < FROM_THE_WEBSITE:
            _write_in(organization)
        for step in PATHS[stage]:
            prospect_move_stage(
                organization=organization,
                stage=step,
                amount_proposed=amount if step == "proposal" else None,
                note="Chose to wait a year" if step == "lost" else "",
                by=by,
            )
        made += 1
    return made


def _write_in(organization: Organization) -> None:
    """The business's primary representative writes in through the website's contact form."""
    link = (
        Affiliation.objects.filter(organization=organization)
        .exclude(contact__email="")
        .select_related("contact")
        .order_by("-is_primary", "pk")
        .first()
    )
    if link is None or Inquiry.objects.filter(organization=organization).exists():
        return
    person = link.contact
    inquiry_submit(
        kind=Inquiry.Kind.CONTACT,
        organization=OrganizationInput(name=organization.name, website=organization.website),
        contact=ContactInput(
            first_name=person.first_name, last_name=person.last_name, email=person.email
        ),
        message="We would like to hear what membership would do for a business like ours.",
    )


def _tasks_and_interactions(ctx: DemoContext, rng, today) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    tasks = interactions = 0
    for owner in (ctx.staff["membership"], ctx.staff["admin"]):
        owned = list(Organization.objects.filter(account_owner=owner).order_by("pk")[:40])
        if not owned:
            continue
        for title, days in TASKS:
            organization = rng.choice(owned)
            if Task.objects.filter(assignee=owner, title=title).exists():
                continue
            task = task_create(
                title=title,
                assignee=owner,
                due_date=ctx.today + timedelta(days=days),
                organization=organization,
                by=owner,
            )
            tasks += 1
            if days == -6 and owner == ctx.staff["admin"]:
                task_complete(task=task, by=owner)  # one done, so the list shows both
        for kind, summary in INTERACTIONS:
            organization = rng.choice(owned)
            occurred_on = today - timedelta(days=rng.randint(1, 60))
            if Interaction.objects.filter(
                organization__account_owner=owner, summary=summary
            ).exists():
                continue
            interaction_record(
                organization=organization,
                kind=kind,
                occurred_on=occurred_on,
                summary=summary,
                by=owner,
            )
            interactions += 1
    return tasks, interactions


def seed(ctx: DemoContext) -> str:
    rng = ctx.random("pipeline")
    # An interaction is recorded once it happened: never after the real today.
    today = min(ctx.today, timezone.localdate())
    owned = _owners(ctx, rng)
    prospects = _prospects(ctx, rng)
    tasks, interactions = _tasks_and_interactions(ctx, rng, today)
    at_risk = len(selectors.members_at_risk(today=ctx.today))
    return (
        f"pipeline: {owned} account owners given, {prospects} prospects, {tasks} tasks, "
        f"{interactions} interactions; {at_risk} members at risk before their renewal"
    )
