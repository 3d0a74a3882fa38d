"""The shared set-up of the permission matrices (tests/api/staff/test_permission_matrix.py and
tests/test_admin_permission_matrix.py): one caller per kind of user, one row of every model, and
the rows written to each table, to show that a refused call changed nothing.

The world is built once per test module, inside a transaction that is rolled back when the
module is done; each test runs in a savepoint of it (pytest-django's own), so what an allowed
call changes is undone before the next test."""

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from crm.roles import EVENTS, FINANCE, MEMBERSHIP, READ_ONLY

# The callers. A role's name is its caller's name; the others say what they are.
SUPERUSER = "superuser"
NO_ROLE = "staff without a role"
NOT_STAFF = "active user, not staff"  # in the Membership group and holding a token
DEACTIVATED = "deactivated staff"  # in the Membership group and holding a token
ANONYMOUS = "anonymous"
ROLES = (MEMBERSHIP, FINANCE, EVENTS, READ_ONLY)
SIGNED_IN = (*ROLES, NO_ROLE, SUPERUSER)  # active staff


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    records: dict[type[models.Model], models.Model] = field(default_factory=dict)

    def record(self, model: type[models.Model]) -> models.Model:
        concrete = model._meta.concrete_model
        assert concrete in self.records, f"the permission world has no {model.__name__}"
        return self.records[concrete]


def _users(world: World) -> None:
    from tests.factories import UserFactory

    for role in ROLES:
        user = UserFactory(username=f"matrix-{role.lower()}")
        user.groups.add(Group.objects.get(name=role))
        world.users[role] = user
    world.users[NO_ROLE] = UserFactory(username="matrix-no-role")
    world.users[SUPERUSER] = UserFactory(username="matrix-admin", is_superuser=True)
    # Both had a token from their staff days; neither may use it now.
    world.users[NOT_STAFF] = UserFactory(username="matrix-outsider", is_staff=False)
    world.users[DEACTIVATED] = UserFactory(username="matrix-gone", is_active=False)
    for name in (NOT_STAFF, DEACTIVATED):
        world.users[name].groups.add(Group.objects.get(name=MEMBERSHIP))
    for name, user in world.users.items():
        world.tokens[name] = Token.objects.create(user=user).key


def _records(world: World) -> None:
    from django_tasks_db.models import DBTaskResult

    from billing import services as billing
    from billing.models import (
        BankDeposit,
        CreditEntry,
        Dispute,
        JournalBatch,
        JournalPeriodLock,
        Payout,
        StripeEvent,
    )
    from crm.models import DuesDeductibility, DuesSchedule, EmailLog, Membership
    from crm.services.dues import dues_schedule_draft_from_plans
    from events.services import registration_create
    from tests.api.staff.conftest import (
        make_invoice,
        make_note,
        make_payment,
        make_pledge,
        make_refund,
        make_renewal_proposal,
    )
    from tests.factories import (
        ContactFactory,
        InvestorLevelFactory,
        MembershipFactory,
        OrganizationFactory,
        PlanFactory,
        TicketTypeFactory,
    )

    organization = OrganizationFactory(name="Matrix Widgets")
    invoice = make_invoice(organization=organization)  # a billing contact, an approved member
    payment = make_payment(invoice, amount="100.00")
    refund = make_refund(payment, amount="40.00")
    ticket_type = TicketTypeFactory()
    registration = registration_create(
        event=ticket_type.event, ticket_type=ticket_type, contact=ContactFactory()
    )
    deposit = billing.deposit_create(
        payments=[make_payment(invoice, amount="50.00")],
        deposited_on=timezone.localdate(),
        reference="slip-1",
    )
    built: list[models.Model] = [
        organization,
        invoice.organization.affiliations.get(),
        invoice.organization.affiliations.get().contact,
        make_note(organization=organization),
        PlanFactory(),
        InvestorLevelFactory(),
        dues_schedule_draft_from_plans(name="Matrix dues"),  # a draft
        DuesDeductibility.objects.create(year=2026, non_deductible_percent=Decimal("12.5")),
        MembershipFactory(status=Membership.Status.APPLIED),  # an application in the queue
        make_pledge(),  # submitted: in the queue to confirm
        make_renewal_proposal(),
        invoice,
        payment,
        refund,
        ticket_type.event,
        ticket_type,
        registration,
        EmailLog.objects.filter(invoice=invoice).first() or EmailLog.objects.first(),
        deposit,
        Dispute.objects.create(
            payment=payment, stripe_dispute_id="dp_matrix", amount=Decimal("100.00")
        ),
        CreditEntry.objects.create(
            organization=organization,
            kind=CreditEntry.Kind.ADDED,
            amount=Decimal("25.00"),
            invoice=invoice,
            payment=payment,
        ),
        StripeEvent.objects.create(
            stripe_id="evt_matrix", type="customer.created", payload={"data": {"object": {}}}
        ),
        Payout.objects.create(
            stripe_payout_id="po_matrix",
            status=Payout.Status.PAID,
            amount=Decimal("96.80"),
            arrival_date=timezone.localdate() - timedelta(days=1),
        ),
        JournalBatch.objects.create(
            number=9001, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)
        ),
        JournalPeriodLock.objects.create(month=date(2025, 12, 1), reason="closed with the audit"),
        DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="crm.tasks.nothing",
            backend_name="default",
            run_after=timezone.now(),
            exception_class_path="",
            traceback="",
        ),
        Group.objects.get(name=READ_ONLY),
        *_outreach_records(),
        *_login_records(),
        *_pipeline_records(organization, world.users[MEMBERSHIP]),
        *_benefit_records(),
        *_directory_records(organization),
    ]
    for record in built:
        assert record is not None
        world.records[type(record)._meta.concrete_model] = record
    world.records[type(world.users[READ_ONLY])] = world.users[READ_ONLY]
    world.records[Token] = Token.objects.get(user=world.users[READ_ONLY])
    assert isinstance(deposit, BankDeposit)
    assert world.records[DuesSchedule].status == DuesSchedule.Status.DRAFT


def _benefit_records() -> list[models.Model]:
    """A benefit a level grants, and one use of it by an investor at that level."""
    from crm.models import Pledge
    from crm.services.benefits import benefit_use
    from tests.factories import BenefitGrantFactory, PledgeFactory

    grant = BenefitGrantFactory(quantity=5)
    investor = PledgeFactory(
        level=grant.level,
        status=Pledge.Status.CONFIRMED,
        start_date=timezone.localdate() - timedelta(days=10),
        term_years=2,
    ).organization
    return [grant.benefit, benefit_use(organization=investor, benefit=grant.benefit)]


def _pipeline_records(customer: Any, owner: Any) -> list[models.Model]:
    """A prospect, an inquiry, a task and an interaction (account work)."""
    from crm.models import Inquiry
    from crm.services.pipeline import interaction_record, prospect_move_stage, task_create
    from tests.factories import AffiliationFactory, OrganizationFactory

    courted = OrganizationFactory(name="Matrix Prospects")
    person = AffiliationFactory(organization=courted).contact
    return [
        prospect_move_stage(organization=courted, stage="contacted"),
        Inquiry.objects.create(
            kind=Inquiry.Kind.CONTACT, organization=courted, contact=person, message="Hello."
        ),
        task_create(
            title="Call about the renewal",
            assignee=owner,
            due_date=timezone.localdate(),
            organization=customer,
        ),
        interaction_record(
            organization=courted,
            kind="call",
            occurred_on=timezone.localdate(),
            summary="Talked about joining.",
        ),
    ]


def _directory_records(organization: Any) -> list[models.Model]:
    """A directory category, and a listing saved in the portal waiting for staff's review."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from crm.models import DirectoryCategory
    from portal.models import DirectoryChange

    logo = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 80, 200)).save(logo, format="PNG")
    change = DirectoryChange(
        organization=organization,
        contact=organization.affiliations.get().contact,
        listed=True,
        text="Widgets since 1950.",
    )
    change.logo.save("matrix.png", ContentFile(logo.getvalue()), save=False)
    change.save()
    return [DirectoryCategory.objects.create(name="Manufacturing", slug="manufacturing"), change]


def _login_records() -> list[models.Model]:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    seen = {"ip_address": "203.0.113.5", "user_agent": "matrix", "path_info": "/admin/login/"}
    return [
        AccessAttempt.objects.create(
            username="matrix-guess", failures_since_start=2, attempt_time=timezone.now(), **seen
        ),
        AccessLog.objects.create(username="matrix-admin", attempt_time=timezone.now(), **seen),
        AccessFailureLog.objects.create(
            username="matrix-guess", attempt_time=timezone.now(), **seen
        ),
    ]


def _outreach_records() -> list[models.Model]:
    from outreach.models import NewsletterList, Subscriber, Subscription
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    newsletter = NewsletterList.objects.get(code="hartbeat")
    subscriber = Subscriber.objects.create(email="matrix-reader@example.org")
    subscription = Subscription.objects.create(
        subscriber=subscriber, newsletter=newsletter, requested_at=timezone.now()
    )
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.org/matrix", event_types=["invoice.paid"], is_active=False
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        message_id="msg_matrix",
        event_type="invoice.paid",
        body="{}",
        status=WebhookDelivery.Status.FAILED,
    )
    return [newsletter, subscriber, subscription, endpoint, delivery]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        built = World()
        database_state()  # on SQLite, counting writes starts here, for the whole module
        _users(built)
        _records(built)
        yield built
        transaction.set_rollback(True)


# --- nothing changed --------------------------------------------------------------------------

# Sessions change when a caller signs in, which is not the call under test.
_IGNORED_TABLES = {"django_session"}


@functools.cache
def _tables() -> tuple[str, ...]:
    names = set(connection.introspection.django_table_names(only_existing=True))
    return tuple(sorted(names - _IGNORED_TABLES))


_WRITES = "permission_world_writes"  # a temporary table: one row for each row written


def _count_writes_on_sqlite(cursor) -> None:
    """Temporary triggers that note every row written to a table in a temporary table of this
    connection's own, made once; what a rolled-back transaction made is undone with it."""
    cursor.execute("SELECT 1 FROM sqlite_temp_master WHERE name = %s", [_WRITES])
    if cursor.fetchone():
        return
    cursor.execute(f"CREATE TEMP TABLE {_WRITES} (name TEXT NOT NULL, op TEXT NOT NULL)")
    for number, table in enumerate(_tables()):
        for op in ("INSERT", "UPDATE", "DELETE"):
            cursor.execute(
                f"CREATE TEMP TRIGGER {_WRITES}_{op}_{number} AFTER {op}"
                f" ON main.{connection.ops.quote_name(table)} FOR EACH ROW BEGIN"
                f" INSERT INTO {_WRITES} VALUES ('{table}', '{op}'); END"
            )


def database_state() -> dict[str, Any]:
    """How many rows the current transaction inserted, updated and deleted in each table; the
    same before and after a refused call. PostgreSQL counts them itself (one quick query that
    sees every write, even one undone since); on SQLite, triggers count them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
                " WHERE relname <> ALL(%s)",
                [list(_IGNORED_TABLES)],
            )
            return {name: counts for name, *counts in cursor.fetchall()}
        _count_writes_on_sqlite(cursor)
        cursor.execute(f"SELECT name, op, count(*) FROM {_WRITES} GROUP BY name, op")
        written = {(name, op): n for name, op, n in cursor.fetchall()}
        ops = ("INSERT", "UPDATE", "DELETE")
        return {table: [written.get((table, op), 0) for op in ops] for table in _tables()}


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [table for table in before if before[table] != after.get(table)]
