"""The roster import's chunked path writes exactly what the row-by-row path writes."""

import pytest
from django.db import transaction

from crm.models import Affiliation, Contact, Membership, MembershipTransition, Organization
from crm.services.imports import batching, roster_import, roster_read
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROSTER = """\
Organization,Website,City,County,Employees,First Name,Last Name,Email,Title,Roles,Plan,Status,Start Date,Paid Through
Acme Hardware LLC,acme-hardware.example,Hartford,Hartford,12,JANE,DOE,jane@acme-hardware.example,Owner,"primary, billing",gold,active,2024-01-01,2026-12-31
ACME HARDWARE,,,,,john,smith,john@acme-hardware.example,,events,,,,
Acme Hardware LLC,acme-hardware.example,Hartford,Hartford,12,JANE,DOE,jane@acme-hardware.example,Owner,"primary, billing",gold,active,2024-01-01,2026-12-31
Old Mill Tavern,oldmill.example,,,,Ann,Park,ann@oldmill.example,,primary,gold,lapsed,2020-01-01,2024-12-31
Old Mill Tavern,,Glastonbury,,,,,,,,,,,
River Bakery,,,,,Sam,Lee,sam@@riverbakery,,,,,,
Known Co,,,,,Kim,Ng,KIM@KNOWN.EXAMPLE,,primary,gold,applied,,
Known Co,,,,,Lee,Roy,,,billing,gold,rejected,,
Cancelled Corp,,,,,,,,,,gold,cancelled,2023-05-01,
Tolland Tools,,,,,Pat,Doe,pat@tolland.example,,bogus,,,,
Grace Garage,,,,,,,,,,gold,grace,,2026-01-31
Known Co,,,,,Kim,Ng,kim@known.example,,,,,,
"""  # noqa: E501 (one spreadsheet row per line)


def import_csv(text, *, by=None, dry_run=False):
    rows, ignored = roster_read(data=text.encode(), file_name="roster.csv", lazy=True)
    return roster_import(rows=rows, dry_run=dry_run, by=by, ignored_columns=ignored)


def one_by_one(monkeypatch):
    """Every row through the row-by-row path (the import as it was before chunks)."""
    monkeypatch.setattr(batching._Chunk, "_decide", lambda self, row: None)


def ordered(rows):
    return sorted(rows, key=repr)


def state():
    """Everything the import writes, without keys and timestamps."""

    def history(model, *fields):
        return ordered(
            (
                *(getattr(h, f) for f in fields),
                h.history_type,
                h.history_change_reason,
                h.history_user_id,
            )
            for h in model.history.all()
        )

    return {
        "organizations": ordered(
            Organization.objects.values_list(
                "name", "normalized_name", "website", "email_domain", "city", "county", "employees"
            )
        ),
        "contacts": ordered(Contact.objects.values_list("first_name", "last_name", "email")),
        "affiliations": ordered(
            Affiliation.objects.values_list(
                "organization__name",
                "contact__email",
                "title",
                "is_primary",
                "is_billing",
                "is_event_contact",
            )
        ),
        "memberships": ordered(
            Membership.objects.values_list(
                "organization__name",
                "plan__code",
                "status",
                "source",
                "start_date",
                "member_since",
                "paid_through",
                "status_reason",
            )
        ),
        "transitions": ordered(
            MembershipTransition.objects.values_list(
                "membership__organization__name", "from_status", "to_status", "by", "reason"
            )
        ),
        "history": [
            history(Organization, "name", "city"),
            history(Contact, "email", "first_name"),
            history(Affiliation, "is_primary", "is_billing", "title"),
            history(Membership, "status", "paid_through", "member_since", "status_reason"),
        ],
    }


def report_of(report):
    return [(r.number, r.outcome.value, r.organization, r.contact, r.message) for r in report.rows]


def on_file(gold):
    known = OrganizationFactory(name="Known Co", website="")
    MembershipFactory(organization=known, plan=gold, status="lapsed")
    AffiliationFactory(
        organization=known, contact=ContactFactory(first_name="Lee", last_name="Roy", email="")
    )


def test_the_chunked_path_writes_what_the_row_by_row_path_writes(monkeypatch):
    gold = PlanFactory(code="gold", name="Gold")
    on_file(gold)
    user = UserFactory()

    with transaction.atomic():
        with monkeypatch.context() as patch:
            one_by_one(patch)
            expected_report = report_of(import_csv(ROSTER, by=user))
        expected = state()
        transaction.set_rollback(True)
    assert expected["transitions"]  # the roster does create memberships

    monkeypatch.setattr(batching, "CHUNK_ROWS", 4)  # rows of one organization in two chunks
    report = import_csv(ROSTER, by=user)

    assert report_of(report) == expected_report
    assert state() == expected
    outcomes = {r.number: r.outcome.value for r in report.rows}
    assert outcomes[4] == "unchanged" and outcomes[7] == "refused"
    assert outcomes[6] == "updated"  # filled the city: written row by row amid the chunk


def test_a_dry_run_of_the_chunked_path_saves_nothing_and_reports_the_real_run():
    gold = PlanFactory(code="gold", name="Gold")
    on_file(gold)
    before = state()

    dry = report_of(import_csv(ROSTER, dry_run=True))

    assert state() == before
    assert report_of(import_csv(ROSTER)) == dry


def test_a_chunk_the_database_refuses_is_written_row_by_row(monkeypatch):
    """Another session adds a contact between the chunk's lookups and its bulk insert: the
    insert fails on the unique email, and the chunk's rows are written one by one instead, the
    contact that raced in linked rather than duplicated."""
    PlanFactory(code="gold", name="Gold")
    raced = []

    class RacedKnown(batching._Known):
        def __init__(self, rows):
            super().__init__(rows)
            if not raced:  # after the chunk's lookups, before its insert
                raced.append(
                    Contact.objects.create(
                        first_name="J", last_name="Smith", email="john@acme-hardware.example"
                    )
                )

    monkeypatch.setattr(batching, "_Known", RacedKnown)
    report = import_csv(ROSTER)

    outcomes = {r.number: r.outcome.value for r in report.rows}
    assert outcomes[2] == "created" and outcomes[3] == "created" and outcomes[4] == "unchanged"
    assert Contact.objects.filter(email="john@acme-hardware.example").count() == 1
    john = Contact.objects.get(email="john@acme-hardware.example")
    assert john.pk == raced[0].pk
    assert Affiliation.objects.filter(contact=john, organization__name="Acme Hardware LLC").exists()
    assert "Linked J Smith to Acme Hardware LLC" in report.rows[1].message
    assert Organization.objects.filter(name="Acme Hardware LLC").count() == 1
