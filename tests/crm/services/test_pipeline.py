"""Account work: stage moves of prospects (and the ones refused), tasks, interactions, account
owners, the engagement facts read for many organizations, members at risk and the weekly
summary mail, once per week."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from core.exceptions import InvalidData, ServiceError, TransitionNotAllowed
from crm import selectors
from crm.models import AccountSummary, Membership, Prospect, Task
from crm.services.benefits import benefit_use, portal_sign_in_record
from crm.services.pipeline import (
    account_summaries_send,
    interaction_record,
    organization_set_account_owner,
    prospect_move_stage,
    task_complete,
    task_create,
)
from events.models import Registration
from tests.api.staff.conftest import make_invoice, make_payment
from tests.factories import (
    AffiliationFactory,
    BenefitGrantFactory,
    ContactFactory,
    EventFactory,
    MembershipFactory,
    OrganizationFactory,
    TicketTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(username="ann-owner", first_name="Ann")


# --- Stages ------------------------------------------------------------------------------------


def test_it_moves_a_prospect_through_the_stages_to_won():
    organization = OrganizationFactory()

    prospect = prospect_move_stage(organization=organization, stage="lead")
    prospect_move_stage(organization=organization, stage="contacted", note="Met at the mixer")
    prospect_move_stage(
        organization=organization, stage="proposal", amount_proposed=Decimal("7500")
    )
    prospect_move_stage(organization=organization, stage="won")

    prospect.refresh_from_db()
    assert prospect.stage == Prospect.Stage.WON
    assert prospect.amount_proposed == Decimal("7500.00")
    reasons = [h.history_change_reason for h in prospect.history.order_by("history_id")]
    assert reasons == [
        "new prospect",
        "Lead → Contacted: Met at the mixer",
        "Contacted → Proposal sent",
        "Proposal sent → Won",
    ]


@pytest.mark.parametrize(
    ("start", "to"),
    [("lead", "won"), ("contacted", "won"), ("lost", "proposal"), ("won", "lost")],
)
def test_it_refuses_a_move_the_stages_do_not_allow_and_changes_nothing(start, to):
    organization = OrganizationFactory()
    path = {"lead": ["lead"], "contacted": ["contacted"], "lost": ["lead", "lost"]}
    for stage in path.get(start, ["proposal", "won"]):
        prospect_move_stage(organization=organization, stage=stage, amount_proposed=Decimal("1"))
    before = Prospect.objects.get(organization=organization)

    with pytest.raises(TransitionNotAllowed, match="cannot move to"):
        prospect_move_stage(organization=organization, stage=to, amount_proposed=Decimal("9"))

    after = Prospect.objects.get(organization=organization)
    assert (after.stage, after.amount_proposed, after.modified) == (
        before.stage,
        before.amount_proposed,
        before.modified,
    )


def test_it_needs_the_amount_for_a_proposal():
    organization = OrganizationFactory()
    prospect_move_stage(organization=organization, stage="lead")

    with pytest.raises(InvalidData, match="amount proposed") as refused:
        prospect_move_stage(organization=organization, stage="proposal")

    assert refused.value.field == "amount_proposed"
    assert Prospect.objects.get(organization=organization).stage == "lead"


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("NaN")])
def test_it_refuses_an_amount_that_is_not_positive(amount):
    with pytest.raises(InvalidData):
        prospect_move_stage(
            organization=OrganizationFactory(), stage="proposal", amount_proposed=amount
        )
    assert not Prospect.objects.exists()


def test_it_starts_no_prospect_won_or_for_a_member():
    with pytest.raises(TransitionNotAllowed):
        prospect_move_stage(organization=OrganizationFactory(), stage="won")
    member = MembershipFactory(status=Membership.Status.ACTIVE).organization
    with pytest.raises(ServiceError, match="not a prospect"):
        prospect_move_stage(organization=member, stage="lead")
    assert not Prospect.objects.exists()


def test_it_changes_nothing_when_asked_for_the_stage_it_is_at():
    organization = OrganizationFactory()
    prospect = prospect_move_stage(organization=organization, stage="contacted")

    again = prospect_move_stage(organization=organization, stage="contacted")

    assert again.modified == prospect.modified
    assert Prospect.history.filter(organization_id=organization.pk).count() == 1


def test_it_reopens_a_lost_prospect_as_a_lead():
    organization = OrganizationFactory()
    prospect_move_stage(organization=organization, stage="lead")
    prospect_move_stage(organization=organization, stage="lost", note="Chose the other chamber")

    prospect = prospect_move_stage(organization=organization, stage="lead")

    assert prospect.stage == "lead"


# --- Tasks, interactions, owners ---------------------------------------------------------------


def test_it_creates_and_completes_a_task_once(owner):
    task = task_create(
        title=" Call about the gala ",
        assignee=owner,
        due_date=timezone.localdate(),
        organization=OrganizationFactory(),
        by=owner,
    )
    task_complete(task=task, by=owner)
    first = Task.objects.get(pk=task.pk).done_at

    task_complete(task=task, by=UserFactory())

    task.refresh_from_db()
    assert task.title == "Call about the gala"
    assert task.done_at == first and task.done_by == owner


def test_it_assigns_tasks_to_active_staff_only():
    outsider = UserFactory(is_staff=False)
    with pytest.raises(InvalidData) as refused:
        task_create(title="Call", assignee=outsider, due_date=timezone.localdate())
    assert refused.value.field == "assignee"
    assert not Task.objects.exists()


def test_it_records_an_interaction_with_someone_there_and_refuses_the_rest(owner):
    affiliation = AffiliationFactory()
    organization = affiliation.organization

    interaction = interaction_record(
        organization=organization,
        contact=affiliation.contact,
        kind="meeting",
        occurred_on=timezone.localdate(),
        summary="Breakfast at the Goodwin.",
        by=owner,
    )

    assert interaction.recorded_by == owner
    with pytest.raises(InvalidData, match="not linked") as stranger:
        interaction_record(
            organization=organization,
            contact=ContactFactory(),
            kind="call",
            occurred_on=timezone.localdate(),
            summary="Who?",
        )
    assert stranger.value.field == "contact"
    with pytest.raises(InvalidData) as future:
        interaction_record(
            organization=organization,
            kind="call",
            occurred_on=timezone.localdate() + timedelta(days=1),
            summary="Not yet.",
        )
    assert future.value.field == "occurred_on"
    assert organization.interactions.count() == 1


def test_it_sets_the_account_owner_to_staff_only(owner):
    organization = OrganizationFactory()

    organization_set_account_owner(organization=organization, owner=owner)

    organization.refresh_from_db()
    assert organization.account_owner == owner
    with pytest.raises(InvalidData):
        organization_set_account_owner(
            organization=organization, owner=UserFactory(is_active=False)
        )
    organization.refresh_from_db()
    assert organization.account_owner == owner
    organization_set_account_owner(organization=organization, owner=None)
    organization.refresh_from_db()
    assert organization.account_owner is None


# --- Engagement facts, members at risk ---------------------------------------------------------


def _attended(organization, *, days_ago: int) -> None:
    contact = AffiliationFactory(organization=organization, is_primary=False).contact
    event = EventFactory(starts_at=timezone.now() - timedelta(days=days_ago))
    Registration.objects.create(
        event=event,
        ticket_type=TicketTypeFactory(event=event),
        contact=contact,
        status=Registration.Status.CHECKED_IN,
        price_each=Decimal("0.00"),
        total=Decimal("0.00"),
    )


def _engaged_member(today):
    """A member of 6 years who came to 4 events this year, paid on time, used both seats its
    plan grants and signed in to the portal 5 times this year: 100 points."""
    organization = OrganizationFactory()
    for days_ago in (10, 40, 400, 300):  # the third is older than 12 months
        _attended(organization, days_ago=days_ago)
    _attended(organization, days_ago=20)
    invoice = make_invoice(organization=organization)
    make_payment(invoice, amount=str(invoice.total))
    Membership.objects.filter(organization=organization).update(
        status=Membership.Status.ACTIVE,
        member_since=today.replace(year=today.year - 6),
        paid_through=today + timedelta(days=30),
    )
    plan = Membership.objects.get(organization=organization).plan
    grant = BenefitGrantFactory(plan=plan, level=None, quantity=2)
    benefit_use(organization=organization, benefit=grant.benefit, quantity=2, today=today)
    person = organization.affiliations.first().contact
    for days_ago in (1, 30, 60, 90, 120, 400):  # the last one is older than 12 months
        portal_sign_in_record(contact=person, at=timezone.now() - timedelta(days=days_ago))
    return organization


def _drifting_member(today):
    """A member of a year with an overdue invoice, no events, no benefit granted and no
    portal sign-in: 0 + 12 + 3 + 0 + 5 + 0 = 20."""
    organization = OrganizationFactory()
    invoice = make_invoice(organization=organization)
    invoice.__class__.objects.filter(pk=invoice.pk).update(due_date=today - timedelta(days=3))
    Membership.objects.filter(organization=organization).update(
        status=Membership.Status.ACTIVE,
        member_since=today - timedelta(days=400),
        paid_through=today + timedelta(days=20),
    )
    return organization


def test_it_reads_the_facts_the_system_has_into_the_score():
    today = timezone.localdate()
    engaged, drifting = _engaged_member(today), _drifting_member(today)

    scores = selectors.organization_engagement(
        organization_ids=[engaged.pk, drifting.pk], today=today
    )

    assert [f.points for f in scores[engaged.pk].factors] == [20, 25, 15, 20, 10, 10]
    assert scores[engaged.pk].score == 100
    assert scores[engaged.pk].factors[0].value == "4 events in the last 12 months"
    assert scores[engaged.pk].factors[4].value == "2 of 2 used this term"
    assert scores[engaged.pk].factors[5].value == "5 sign-ins in the last 12 months"
    assert [f.points for f in scores[drifting.pk].factors] == [0, 12, 3, 0, 5, 0]
    assert scores[drifting.pk].score == 20


def test_it_reads_the_scores_of_many_organizations_in_six_queries(django_assert_num_queries):
    # Events, payments, membership and sign-ins (one), open invoices (one), benefits (four).
    today = timezone.localdate()
    ids = [_engaged_member(today).pk, _drifting_member(today).pk]
    with django_assert_num_queries(6):
        selectors.organization_engagement(organization_ids=ids, today=today)
    ids += [_engaged_member(today).pk for _ in range(3)] + [_drifting_member(today).pk]
    with django_assert_num_queries(6):
        selectors.organization_engagement(organization_ids=ids, today=today)


def test_it_lists_members_renewing_soon_with_a_low_score(settings, owner):
    settings.ENGAGEMENT_RISK_DAYS = 60
    settings.ENGAGEMENT_RISK_THRESHOLD = 50
    today = timezone.localdate()
    engaged, drifting = _engaged_member(today), _drifting_member(today)
    later = _drifting_member(today)
    Membership.objects.filter(organization=later).update(paid_through=today + timedelta(days=90))
    organization_set_account_owner(organization=drifting, owner=owner)

    at_risk = selectors.members_at_risk(today=today)

    assert [row.membership.organization for row in at_risk] == [drifting]
    assert at_risk[0].engagement.score == 20
    assert selectors.members_at_risk(today=today, owner=owner)[0].membership.organization == (
        drifting
    )
    assert selectors.members_at_risk(today=today, owner=UserFactory()) == []
    assert engaged not in [row.membership.organization for row in at_risk]


# --- The weekly summary ------------------------------------------------------------------------


def test_it_mails_the_weekly_summary_once_a_week(owner, django_capture_on_commit_callbacks):
    organization = OrganizationFactory(name="Riverfront Bakery")
    organization_set_account_owner(organization=organization, owner=owner)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    task_create(
        title="Send the proposal",
        assignee=owner,
        due_date=monday - timedelta(days=1),
        organization=organization,
    )
    prospect_move_stage(organization=organization, stage="contacted")
    UserFactory(username="nobody-owns")  # staff with nothing to sum up: no mail
    finished = UserFactory(username="all-done")  # only a task done: nothing to sum up either
    task_complete(task=task_create(title="Done", assignee=finished, due_date=monday), by=finished)

    with django_capture_on_commit_callbacks(execute=True):
        first = account_summaries_send(today=monday)
    with django_capture_on_commit_callbacks(execute=True):
        again = account_summaries_send(today=monday + timedelta(days=4))

    assert (first.sent, again.sent, again.already_sent) == (1, 0, 1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert "Tasks overdue: 1" in message.body
    assert "Send the proposal (Riverfront Bakery)" in message.body
    assert "- Contacted: 1" in message.body
    assert AccountSummary.objects.get().week_start == monday

    with django_capture_on_commit_callbacks(execute=True):
        next_week = account_summaries_send(today=monday + timedelta(days=7))
    assert next_week.sent == 1 and len(mail.outbox) == 2


def test_it_runs_the_weekly_summary_from_its_command(owner, capsys):
    organization_set_account_owner(organization=OrganizationFactory(), owner=owner)

    call_command("send_account_summaries")
    call_command("send_account_summaries")

    out = capsys.readouterr().out
    assert "1 summary sent, 0 already sent" in out
    assert "0 summaries sent, 1 already sent" in out


def test_the_daily_run_queues_the_weekly_summary_on_mondays(
    owner, django_capture_on_commit_callbacks
):
    from crm.services.renewals import renewals_run

    organization_set_account_owner(organization=OrganizationFactory(), owner=owner)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())

    for day in (monday + timedelta(days=1), monday - timedelta(days=2)):  # Tuesday, Saturday
        with django_capture_on_commit_callbacks(execute=True):
            renewals_run(today=day)
    with django_capture_on_commit_callbacks(execute=True):
        renewals_run(today=monday, dry_run=True)
    assert mail.outbox == [] and not AccountSummary.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        renewals_run(today=monday)  # the task runs at once with the immediate backend
    with django_capture_on_commit_callbacks(execute=True):
        renewals_run(today=monday)  # a second run that Monday sends nothing more
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert AccountSummary.objects.get().week_start == monday
