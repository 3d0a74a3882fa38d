import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from billing.models import Invoice
from crm.models import Contact, Organization, Pledge
from crm.services.applications import investment_confirm
from tests.api.public_helpers import INVEST, committing_client, invest_body, with_path
from tests.factories import ContactFactory, InvestorLevelFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


@pytest.fixture
def level():
    return InvestorLevelFactory(
        code="leadership", name="Leadership", minimum_annual_amount=Decimal("5000.00")
    )


def post(api, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(INVEST, body, format="json", **headers)


def test_it_lists_the_investor_levels_with_their_benefits(api, level):
    InvestorLevelFactory(code="private", offered_publicly=False)

    response = api.get("/api/v1/public/investor-levels/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "leadership",
            "name": "Leadership",
            "minimum_annual_amount": "5000.00",
            "benefits": ["Recognition at the annual meeting", "Quarterly investor briefings"],
        }
    ]


def test_it_records_a_submitted_pledge_with_a_schedule_that_adds_up(api, level):
    response = post(api, invest_body("leadership", annual_amount="10000.01"))

    assert response.status_code == 201, response.json()
    answer = response.json()
    pledge = Pledge.objects.get()
    assert answer["reference"] == pledge.reference
    assert answer["status"] == "submitted"
    assert answer["level"] == "leadership"
    assert answer["annual_amount"] == "10000.01"
    assert answer["term_years"] == 3
    assert answer["total_commitment"] == "30000.03"
    assert len(answer["schedule"]) == 12
    assert sum(Decimal(i["amount"]) for i in answer["schedule"]) == Decimal("30000.03")
    assert answer["schedule"][0]["due_date"] == date.today().isoformat()
    assert pledge.installments.count() == 12
    assert pledge.contact.email == "sam@capitolinsurance.example"
    assert pledge.organization.website == "https://capitolinsurance.example"


def test_it_mails_the_investor_and_the_staff(api, level):
    post(api, invest_body("leadership"))

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["membership@example.org", "sam@capitolinsurance.example"]
    investor = next(m for m in mail.outbox if m.to == ["sam@capitolinsurance.example"])
    assert "$" not in investor.subject
    assert "$30,000.00" in investor.body


def test_it_links_a_pledge_to_the_existing_organization_and_contact(api, level):
    organization = OrganizationFactory(name="Capitol Insurance Group, Inc.")
    ContactFactory(email="sam@capitolinsurance.example")

    response = post(api, invest_body("leadership"))

    assert response.status_code == 201
    assert Organization.objects.count() == 1 and Contact.objects.count() == 1
    pledge = Pledge.objects.get()
    assert pledge.organization == organization
    assert pledge.needs_attention
    assert "existing organization" in pledge.match_note


def test_it_refuses_an_amount_below_the_levels_minimum(api, level):
    response = post(api, invest_body("leadership", annual_amount="4999.99"))

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "annual_amount": ["The Leadership level starts at $5,000.00 a year."]
    }
    assert not Pledge.objects.exists() and not Organization.objects.exists()


@pytest.mark.parametrize(
    "path, value",
    [
        ("level", "unknown"),
        ("annual_amount", "lots"),
        ("annual_amount", "NaN"),
        ("annual_amount", "10000000000.00"),
        ("annual_amount", "10000.001"),
        ("annual_amount", "-5"),
        ("term_years", 0),
        ("term_years", 11),
        ("term_years", "three"),
        ("installments_per_year", 3),
        ("installments_per_year", 52),
        ("start", (date.today() + timedelta(days=400)).isoformat()),
        ("organization.name", ""),
        ("organization.employees", 2_000_000),
        ("contact.email", "sam"),
        ("message", "m" * 2001),
    ],
)
def test_it_answers_400_naming_the_wrong_field_and_creates_nothing(api, level, path, value):
    response = post(api, with_path(invest_body("leadership"), path, value))

    assert response.status_code == 400
    assert path in response.json()["errors"], response.json()
    assert not Pledge.objects.exists() and not Organization.objects.exists()
    assert mail.outbox == []


def test_it_turns_away_a_filled_honeypot(api, level):
    response = post(api, invest_body("leadership", company_fax="555"))

    assert response.status_code == 400
    assert not Pledge.objects.exists() and not Contact.objects.exists()


def test_it_replays_an_investment_for_the_same_key(api, level):
    first = post(api, invest_body("leadership"), key="pledge-1")
    again = post(api, invest_body("leadership"), key="pledge-1")
    other = post(api, invest_body("leadership", term_years=2), key="pledge-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 409
    assert Pledge.objects.count() == 1


def test_it_shows_a_pledge_by_reference_and_its_confirmation(api, level, make_staff):
    reference = post(api, invest_body("leadership")).json()["reference"]

    before = api.get(f"/api/v1/public/invest/{reference}/")
    investment_confirm(pledge=Pledge.objects.get(), by=make_staff("Membership"))
    after = api.get(f"/api/v1/public/invest/{reference}/")

    assert before.status_code == 200
    assert before.json()["status"] == "submitted"
    assert all(item["invoice"] is None for item in before.json()["schedule"])
    assert after.json()["status"] == "confirmed"
    assert len(after.json()["schedule"]) == 12
    assert "sam@" not in json.dumps(after.json())
    assert api.get("/api/v1/public/invest/unknown/").status_code == 404


def test_it_invoices_the_installments_due_soon_when_staff_confirm(
    api, level, make_staff, django_capture_on_commit_callbacks
):
    body = invest_body("leadership", start=date.today().isoformat(), installments_per_year=12)
    reference = post(api, body).json()["reference"]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        investment_confirm(pledge=Pledge.objects.get(), by=make_staff("Membership"))
    with django_capture_on_commit_callbacks(execute=True):
        investment_confirm(pledge=Pledge.objects.get(), by=make_staff("Membership"))

    schedule = api.get(f"/api/v1/public/invest/{reference}/").json()["schedule"]
    # Monthly: the first installment (today) and the second (in a month, within the 30-day
    # lead time, or just outside it) may be issued; the rest wait as drafts for their month.
    issued = [item for item in schedule if item["invoice"] is not None]
    horizon = date.today() + timedelta(days=30)
    assert [i["number"] for i in issued] == [
        i["number"] for i in schedule if date.fromisoformat(i["due_date"]) <= horizon
    ]
    first = issued[0]["invoice"]
    assert first["status"] == "open"
    assert first["total"] == issued[0]["amount"] == "833.34"
    assert first["payment_instructions"]
    pledge = Pledge.objects.get()
    assert Invoice.objects.filter(lines__pledge_installment__pledge=pledge).count() == 36
    assert Invoice.objects.filter(status=Invoice.Status.OPEN).count() == len(issued)
    subjects = [m.subject for m in mail.outbox]
    assert sum("is confirmed" in s for s in subjects) == 1  # once, however often confirmed
    assert sum(s.startswith("Invoice ") for s in subjects) == len(issued)
    assert all(m.to == ["sam@capitolinsurance.example"] for m in mail.outbox)
