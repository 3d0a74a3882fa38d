import io
from datetime import date, datetime

import openpyxl
import pytest

from core.exceptions import ServiceError
from crm.models import Affiliation, Contact, Membership, Organization
from crm.services.imports import Outcome, roster_import, roster_read
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MESSY_CSV = """\
Organization,Website,City,County,Employees,First Name,Last Name,E-mail,Roles,Plan,Status,Paid Through,Favorite Color
Acme Hardware LLC,acme-hardware.example,Hartford,Hartford,12,JANE,DOE,Jane.Doe@Acme-Hardware.example,"Primary, Billing",GOLD,Active,12/31/2026,blue

ACME HARDWARE,,,,,john,smith,john@acme-hardware.example,events,,,,
Acme Hardware LLC,acme-hardware.example,Hartford,Hartford,12,JANE,DOE,Jane.Doe@Acme-Hardware.example,"Primary, Billing",GOLD,Active,12/31/2026,blue
River Bakery,riverbakery.example,Middletown,middlesex county,4,Sam,Lee,sam@@riverbakery,primary,,,,
Tolland Tools Inc,,,tolland,,Ann,Park,ann@tollandtools.example,primary,platinum,active,2026-12-31,
,,,,,,,,,,,,
The Riverside Café,www.riverside-cafe.example,,,,,,,,,,,
Riverside Cafe Co.,,,,,,,,,,,,
"""  # noqa: E501 (one spreadsheet row per line)


def import_csv(text: str, *, dry_run: bool = False, by=None):
    rows, ignored = roster_read(data=text.encode(), file_name="roster.csv")
    return roster_import(rows=rows, dry_run=dry_run, by=by, ignored_columns=ignored)


def outcomes(report) -> dict[int, str]:
    return {row.number: row.outcome.value for row in report.rows}


def snapshot() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "contacts": Contact.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "memberships": Membership.objects.count(),
        "history": sum(
            model.history.count() for model in (Organization, Contact, Affiliation, Membership)
        ),
    }


@pytest.fixture
def gold():
    return PlanFactory(code="gold", name="Gold")


def test_it_reports_every_row_of_a_messy_file(gold):
    report = import_csv(MESSY_CSV, by=UserFactory())

    assert outcomes(report) == {
        2: "created",
        3: "skipped",
        4: "created",
        5: "unchanged",
        6: "refused",
        7: "refused",
        8: "skipped",
        9: "created",
        10: "unchanged",
    }
    rows = {row.number: row for row in report.rows}
    assert report.ignored_columns == ["Favorite Color"]
    assert "Blank row" in rows[3].reason
    assert "Same as row 2." in rows[5].message
    assert rows[6].reason == "'sam@@riverbakery' is not a valid email address."
    assert rows[7].reason.startswith("There is no membership plan 'platinum' (plans: gold)")
    assert "Same as row 9." in rows[10].message
    assert report.counts == {
        "created": 3,
        "updated": 0,
        "unchanged": 2,
        "refused": 2,
        "skipped": 2,
    }


def test_it_creates_the_records_a_row_describes(gold):
    import_csv(MESSY_CSV)

    acme = Organization.objects.get(normalized_name="acme hardware")
    assert acme.name == "Acme Hardware LLC"
    assert acme.website == "https://acme-hardware.example"
    assert acme.email_domain == "acme-hardware.example"
    assert (acme.city, acme.county, acme.employees) == ("Hartford", "hartford", 12)
    jane = Contact.objects.get(email="jane.doe@acme-hardware.example")
    assert (jane.first_name, jane.last_name) == ("Jane", "Doe")
    jane_there = Affiliation.objects.get(contact=jane, organization=acme)
    assert (jane_there.is_primary, jane_there.is_billing, jane_there.is_event_contact) == (
        True,
        True,
        False,
    )
    john = Affiliation.objects.get(contact__email="john@acme-hardware.example")
    assert john.organization == acme
    assert (john.contact.first_name, john.is_event_contact, john.is_primary) == (
        "John",
        True,
        False,
    )
    membership = Membership.objects.get(organization=acme)
    assert (membership.plan, membership.status, membership.paid_through) == (
        gold,
        Membership.Status.ACTIVE,
        date(2026, 12, 31),
    )
    assert membership.source == Membership.Source.IMPORT
    assert Organization.objects.filter(normalized_name="riverside cafe").count() == 1


def test_it_leaves_nothing_of_a_refused_row(gold):
    import_csv(MESSY_CSV)

    assert not Organization.objects.filter(normalized_name__in=["tolland tools", "river bakery"])
    assert not Contact.objects.filter(email__in=["ann@tollandtools.example"])
    assert not Contact.objects.filter(last_name="Lee")


def test_it_changes_nothing_when_the_same_file_is_imported_again(gold):
    import_csv(MESSY_CSV)
    before = snapshot()

    again = import_csv(MESSY_CSV)

    assert snapshot() == before
    assert again.count(Outcome.CREATED) == again.count(Outcome.UPDATED) == 0
    assert outcomes(again)[2] == "unchanged"
    assert outcomes(again)[6] == "refused"


def test_it_saves_nothing_on_a_dry_run_and_reports_what_the_real_run_does(gold):
    dry = import_csv(MESSY_CSV, dry_run=True)

    assert snapshot()["organizations"] == 0
    assert snapshot()["history"] == 0
    real = import_csv(MESSY_CSV)
    assert [(r.number, r.outcome, r.message) for r in dry.rows] == [
        (r.number, r.outcome, r.message) for r in real.rows
    ]
    assert dry.summary.startswith("Dry run, nothing saved: 3 created")


def test_it_matches_an_existing_organization_by_website_domain_and_fills_only_blanks():
    existing = OrganizationFactory(
        name="Hartford Steam Boiler",
        website="https://www.hsb.example",
        phone="860-555-0100",
        city="",
    )

    report = import_csv(
        "Company,Web site,Organization phone,City\n"
        "HSB Inspection,https://hsb.example/about,860-555-0199,Hartford\n"
    )

    existing.refresh_from_db()
    assert outcomes(report) == {2: "updated"}
    assert Organization.objects.count() == 1
    assert existing.name == "Hartford Steam Boiler"
    assert existing.phone == "860-555-0100"
    assert existing.city == "Hartford"
    assert "Kept phone '860-555-0100' (the file says '860-555-0199')" in report.rows[0].message


def test_it_matches_an_existing_contact_by_email_whatever_its_capitalisation():
    contact = ContactFactory(email="pat@shop.example", first_name="Pat", phone="")
    org = OrganizationFactory(name="The Shop")

    report = import_csv(
        "Organization,First name,Last name,Email,Phone\n"
        "The Shop,PAT,Rivera,  PAT@Shop.Example ,860-555-0111\n"
    )

    contact.refresh_from_db()
    assert outcomes(report) == {2: "created"}  # the affiliation is new
    assert Contact.objects.count() == 1
    assert contact.phone == "860-555-0111"
    assert Affiliation.objects.filter(contact=contact, organization=org).exists()


def test_it_keeps_the_primary_representative_an_organization_already_has():
    current = AffiliationFactory(organization__name="Shop", is_primary=True)

    report = import_csv(
        "Organization,First name,Last name,Email,Roles\nShop,Ann,Park,ann@shop.example,primary\n"
    )

    current.refresh_from_db()
    assert current.is_primary
    newcomer = Affiliation.objects.get(contact__email="ann@shop.example")
    assert not newcomer.is_primary
    assert f"Kept {current.contact.full_name} as the primary representative" in (
        report.rows[0].message
    )


def test_it_walks_an_imported_membership_through_its_real_transitions(gold):
    user = UserFactory()

    import_csv(
        "Organization,Plan,Status,Start date,Paid through\n"
        "Lapsed Co,gold,lapsed,2024-01-01,2025-12-31\n",
        by=user,
    )

    membership = Membership.objects.get(organization__name="Lapsed Co")
    steps = [(t.from_status, t.to_status, t.by) for t in membership.transitions.all()]
    assert steps == [
        ("", "applied", user),
        ("applied", "approved", user),
        ("approved", "active", user),
        ("active", "grace", user),
        ("grace", "lapsed", user),
    ]
    assert membership.start_date == date(2024, 1, 1)
    assert membership.paid_through == date(2025, 12, 31)
    assert membership.history.first().history_user == user


def test_it_keeps_an_open_membership_that_differs_from_the_file(gold):
    open_one = MembershipFactory(
        organization__name="Busy Co", status=Membership.Status.ACTIVE, plan__name="Silver"
    )

    report = import_csv("Organization,Plan,Status\nBusy Co,gold,applied\n")

    assert Membership.objects.filter(organization=open_one.organization).count() == 1
    assert outcomes(report) == {2: "unchanged"}
    assert "Kept the membership that is active on the Silver plan" in report.rows[0].message


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("Shop,,,gold,active,", "A membership that is active needs a paid-through date."),
        ("Shop,,,,active,", "A membership status or paid-through date needs a plan code."),
        ("Shop,,,gold,joined,2026-12-31", "Unknown membership status 'joined'"),
        ("Shop,,,gold,active,31.12.2026", "The paid through date '31.12.2026' is not a date"),
        ("Shop,Ann,,,,", "A new contact needs a first and a last name."),
        ("Shop,,owner,,,", "Unknown role 'owner': use primary, billing or events."),
        ("Shop,,primary,,,", "Roles are given but no contact (name or email)."),
        (",Ann Park,,,,", "The organization name is missing."),
        ("Shop,Ann Park,,gold,applied,2026-12-31", "A membership that is applied has no paid"),
    ],
)
def test_it_refuses_a_row_with_the_reason(gold, cells, reason):
    report = import_csv(f"Organization,Contact,Roles,Plan,Status,Paid through\n{cells}\n")

    assert outcomes(report) == {2: "refused"}
    assert report.rows[0].reason.startswith(reason)
    assert Organization.objects.count() == 0


def test_it_refuses_a_name_that_matches_two_organizations():
    OrganizationFactory(name="Twin LLC")
    OrganizationFactory(name="Twin Inc")

    report = import_csv("Organization\nTWIN\n")

    assert report.rows[0].reason == (
        "More than one organization is called 'TWIN'; merge the duplicates first."
    )


def test_it_reads_an_excel_file_with_numbers_and_dates_in_cells(gold):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Organization", "ZIP", "Phone", "Email", "Contact", "Plan", "Paid through"])
    sheet.append(
        ["Excel Co", 6103, 8605550100, "a@excel.example", "Al Ng", "gold", datetime(2026, 12, 31)]
    )
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["Second Co", None, None, None, None, None, None])
    sheet.append([None] * 7)
    buffer = io.BytesIO()
    book.save(buffer)

    rows, _ = roster_read(data=buffer.getvalue(), file_name="Roster.XLSX")
    report = roster_import(rows=rows, dry_run=False)

    assert outcomes(report) == {2: "created", 3: "skipped", 4: "created"}
    excel = Organization.objects.get(name="Excel Co")
    assert excel.postal_code == "06103"
    contact = Contact.objects.get(email="a@excel.example")
    assert (contact.first_name, contact.last_name, contact.phone) == ("Al", "Ng", "8605550100")
    assert Membership.objects.get(organization=excel).paid_through == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"Organization\n", "roster.txt", "Upload a .csv or .xlsx file."),
        (b"", "roster.csv", "The file is empty"),
        (b"Name,Email\nAcme,a@b.example\n", "roster.csv", "The file has no organization column"),
        (b"not a workbook", "roster.xlsx", "The Excel file could not be read"),
    ],
)
def test_it_refuses_a_file_it_cannot_read(data, name, message):
    with pytest.raises(ServiceError, match=message):
        roster_read(data=data, file_name=name)


def test_it_refuses_a_row_with_more_cells_than_headings():
    report = import_csv("Organization,City\nShop,Hartford,extra\n")

    assert report.rows[0].reason == "The row has more cells than the file has headings."


def test_it_reads_a_windows_encoded_csv():
    report = roster_import(
        rows=roster_read(data="Organization\nCafé Lux\n".encode("cp1252"), file_name="r.csv")[0],
        dry_run=False,
    )

    assert outcomes(report) == {2: "created"}
    assert Organization.objects.get().name == "Café Lux"


def test_it_rolls_back_what_a_row_had_already_saved_when_its_membership_is_refused():
    PlanFactory(code="retired", name="Retired", is_active=False)

    report = import_csv(
        "Organization,Contact,Email,Roles,Plan,Status\n"
        "Half Co,Ann Park,ann@half.example,primary,retired,applied\n"
    )

    assert report.rows[0].reason == "plan: The Retired plan is no longer offered."
    assert snapshot() == {
        "organizations": 0,
        "contacts": 0,
        "affiliations": 0,
        "memberships": 0,
        "history": 0,
    }


def test_it_reads_rows_one_at_a_time_as_it_reads_them_all():
    data = (MESSY_CSV + ",,,,,,,,,,,,\n,,,,,,,,,,,,\n").encode()
    eager, _ = roster_read(data=data, file_name="roster.csv")
    lazy, _ = roster_read(data=data, file_name="roster.csv", lazy=True)

    assert not isinstance(lazy, list)
    # the blank row inside is kept (it is reported), the blank rows at the end are not
    assert [(r.number, r.values) for r in lazy] == [(r.number, r.values) for r in eager]
    assert [r.number for r in eager] == list(range(2, 11))


def test_it_hands_each_result_over_and_only_counts_them_when_streaming():
    kept = import_csv(MESSY_CSV, dry_run=True)  # every row's result kept in the report
    rows, ignored = roster_read(data=MESSY_CSV.encode(), file_name="roster.csv", lazy=True)
    seen = []

    report = roster_import(rows=rows, dry_run=False, ignored_columns=ignored, on_row=seen.append)

    assert report.rows == []
    assert [(r.number, r.outcome) for r in seen] == [(r.number, r.outcome) for r in kept.rows]
    assert report.counts == kept.counts
    assert Organization.objects.exists()
