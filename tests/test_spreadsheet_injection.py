"""Text a spreadsheet would run as a formula comes out escaped in every CSV and Excel file the
system writes: the admin exports, the finance reports and the journal exports."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from billing.exports import journal_csv
from billing.models import Invoice, JournalBatch, JournalLine
from crm.roles import FINANCE, MEMBERSHIP, READ_ONLY
from crm.spreadsheet import formula_safe
from tests.crm.test_admin_io import export
from tests.factories import ContactFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_it_escapes_text_that_starts_a_formula(value):
    assert formula_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Acme", "-40.00", "+5", "12", "", "a=b", None, 3, Decimal("-1")])
def test_it_leaves_plain_text_and_numbers_alone(value):
    assert formula_safe(value) == value


def test_it_escapes_the_organization_export_as_csv_and_excel(client_for):
    hostile = HOSTILE[:-1]  # (a carriage return in a name is a line break once read back)
    for value in hostile:
        OrganizationFactory(name=value, city=value, county="tolland")
    client = client_for(READ_ONLY)

    rows = list(
        csv.DictReader(
            io.StringIO(export(client, "county__exact=tolland", "csv").decode("utf-8-sig"))
        )
    )
    sheet = openpyxl.load_workbook(
        io.BytesIO(export(client_for(MEMBERSHIP), "county__exact=tolland", "xlsx"))
    ).active
    header, *cells = list(sheet.values)

    expected = sorted("'" + v for v in hostile)
    assert sorted(row["name"] for row in rows) == expected
    assert sorted(row["city"] for row in rows) == expected
    assert sorted(row[header.index("name")] for row in cells) == expected
    assert all(sheet.cell(r, c).data_type != "f" for r in range(1, 8) for c in range(1, 5))


def test_it_escapes_the_contact_export(client_for):
    ContactFactory(first_name="=1+1", last_name="@cmd")
    client = client_for(READ_ONLY)
    url = reverse("admin:crm_contact_export")
    page = client.get(url)
    form = page.context["form"]
    formats = dict((label, value) for value, label in form.fields["format"].choices)
    data = {"format": formats["csv"], "resource": "0"}
    data |= {name: "on" for name in form.fields if name.startswith("contactresource_")}

    content = client.post(url, data).content.decode("utf-8-sig")

    assert "'=1+1" in content and "'@cmd" in content
    assert ",=1+1" not in content


def test_it_escapes_the_aging_csv(client_for):
    Invoice.objects.create(
        organization=OrganizationFactory(name="=HYPERLINK(1)"),
        kind=Invoice.Kind.OTHER,
        status=Invoice.Status.OPEN,
        total=Decimal("80.00"),
        issue_date=date(2026, 1, 2),
        due_date=date(2026, 10, 30),
    )

    response = client_for(FINANCE).get(
        reverse("finance-report", args=["aging"]), {"as_of": "2026-11-29", "format": "csv"}
    )

    assert (
        response.content.decode().splitlines()[1]
        == "'=HYPERLINK(1),0.00,80.00,0.00,0.00,0.00,80.00"
    )


@pytest.mark.parametrize("fmt", ["qbo", "generic"])
def test_it_escapes_the_journal_exports(fmt):
    batch = JournalBatch.objects.create(
        number=1, date_from=date(2026, 10, 1), date_to=date(2026, 10, 31)
    )
    JournalLine.objects.create(
        batch=batch,
        entry_number="1",
        entry_date=date(2026, 10, 2),
        account="1200",
        credit=Decimal("40.00"),
        description="-refund @x",
        name="=cmd|' /C calc'!A0",
    )

    row = list(csv.reader(io.StringIO(journal_csv(batch, fmt))))[1]

    assert "'=cmd|' /C calc'!A0" in row
    assert "'-refund @x" in row
    assert "40.00" in row
