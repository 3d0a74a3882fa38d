"""The staff lists read from plain values (api/plain_rows.py) answer byte for byte what their
serializers answer: every list, pages of 10 and 200, plain, searched, filtered and ordered, on
records covering each field's variants (nulls, nested summaries and lists, money, each status),
also when the count is an estimate. And they build no model instance for a row."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from api.views.billing import InvoiceViewSet
from api.views.crm import ContactViewSet, OrganizationViewSet
from api.views.events import RegistrationViewSet
from billing import services as billing
from billing.gateways import FakeGateway, use_gateway
from billing.models import Invoice
from crm.models import Contact, Membership, Organization, Pledge
from crm.services.pipeline import organization_set_account_owner
from events.models import Registration
from events.services import registration_cancel, registration_check_in, registration_create
from tests.api.staff.conftest import make_invoice, make_payment, make_refund
from tests.api.staff.events_data import free_ticket, make_confirmed_registration, make_registration
from tests.factories import (
    AffiliationFactory,
    BenefitGrantFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    PledgeFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db

PAGE_SIZES = (10, 200)


@pytest.fixture(autouse=True)
def fake_stripe():
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


@pytest.fixture
def client(superuser) -> APIClient:
    api = APIClient()
    api.force_authenticate(superuser)
    return api


def _answers(client, monkeypatch, view, url: str) -> tuple[bytes, bytes]:
    """The list's answer from plain values, then from its serializer."""
    plain = client.get(url)
    with monkeypatch.context() as patch:
        patch.setattr(view, "plain_rows", None)
        serialized = client.get(url)
    assert plain.status_code == serialized.status_code == 200, plain.content
    return plain.content, serialized.content


def _compare(client, monkeypatch, view, path: str, variants: list[dict[str, str]]) -> None:
    for params in variants:
        for size in PAGE_SIZES:
            url = f"{path}?{urlencode({**params, 'page_size': size})}"
            plain, serialized = _answers(client, monkeypatch, view, url)
            assert plain == serialized, url
        # The second page of ten, and the count's estimate with its lookahead page (PostgreSQL).
        url = f"{path}?{urlencode({**params, 'page_size': 10, 'page': 2})}"
        if client.get(url).status_code == 200:
            assert (
                _answers(client, monkeypatch, view, url)[0]
                == _answers(client, monkeypatch, view, url)[1]
            )
        with override_settings(STAFF_API_EXACT_COUNT_LIMIT=3):
            url = f"{path}?{urlencode({**params, 'page_size': 2})}"
            plain, serialized = _answers(client, monkeypatch, view, url)
            assert plain == serialized, url


def _results(client, path: str) -> list[dict]:
    return client.get(f"{path}?page_size=200").json()["results"]


# --- Organizations ----------------------------------------------------------------------------


def test_organizations_answer_as_their_serializer(client, monkeypatch, make_staff):
    owner = make_staff("Membership")
    for status in Membership.Status.values:
        MembershipFactory(status=status, paid_through=timezone.localdate())
    member = MembershipFactory(
        status=Membership.Status.ACTIVE, organization__name="Precision Tooling", paid_through=None
    ).organization
    AffiliationFactory(organization=member, contact__email="")
    organization_set_account_owner(organization=member, owner=owner)
    OrganizationFactory(name="Precision Bakery", website="", employees=None, directory_text="")

    _compare(
        client,
        monkeypatch,
        OrganizationViewSet,
        "/api/v1/organizations/",
        [
            {},
            {"search": "precision"},
            {"status": "active"},
            {"status": "lapsed"},
            {"ordering": "-membership_paid_through"},
            {"ordering": "employees", "member": "true"},
        ],
    )
    rows = _results(client, "/api/v1/organizations/")
    assert {row["current_membership"] is None for row in rows} == {True, False}
    assert {row["primary_contact"] is None for row in rows} == {True, False}
    assert {row["account_owner"] is None for row in rows} == {True, False}


# --- Contacts ---------------------------------------------------------------------------------


def test_contacts_answer_as_their_serializer(client, monkeypatch):
    garcia = ContactFactory(last_name="Garcia", title="")
    AffiliationFactory(contact=garcia, is_billing=True, title="Owner")
    AffiliationFactory(contact=garcia, is_primary=False, is_event_contact=True)
    ContactFactory(first_name="", last_name="Garcia", email="", phone="")
    for _ in range(10):
        AffiliationFactory(is_primary=False)

    _compare(
        client,
        monkeypatch,
        ContactViewSet,
        "/api/v1/contacts/",
        [{}, {"search": "garcia"}, {"role": "primary"}, {"ordering": "-email"}],
    )
    rows = _results(client, "/api/v1/contacts/")
    assert {len(row["affiliations"]) for row in rows} == {0, 1, 2}


# --- Invoices ---------------------------------------------------------------------------------


def test_invoices_answer_as_their_serializer(client, monkeypatch):
    make_invoice(issue=False)  # a draft: no number
    make_refund(make_payment(make_invoice(organization=OrganizationFactory(name="Precision"))))
    paid = make_invoice()
    make_payment(paid, amount=str(paid.total))
    overdue = make_invoice()
    Invoice.objects.filter(pk=overdue.pk).update(
        due_date=timezone.localdate() - timedelta(days=3),
        stripe_hosted_url="https://invoice.stripe.com/i/1",
        contact=None,
    )
    billing.invoice_void(invoice=make_invoice(), reason="Billed twice.")
    make_registration()  # a registration's invoice, its line naming it
    for _ in range(5):
        make_invoice()

    _compare(
        client,
        monkeypatch,
        InvoiceViewSet,
        "/api/v1/invoices/",
        [{}, {"status": "open"}, {"search": "precision"}, {"ordering": "total"}],
    )
    rows = _results(client, "/api/v1/invoices/")
    assert {row["status"] for row in rows} >= {"draft", "open", "paid", "void"}
    assert {row["pay_url"] is None for row in rows} == {True, False}
    assert {row["contact_name"] is None for row in rows} == {True, False}
    assert any(payment["amount_refunded"] != "0.00" for row in rows for payment in row["payments"])


def test_an_invoices_page_reads_its_organization_and_contact_by_subqueries_not_joins(client):
    """The names of the records a row names are read for the page's rows alone: joined below
    the LIMIT, PostgreSQL planned them for the whole table (a Memoize cache sized for every
    invoice's contact, 2 ms a page at scale 1.0). A row without a contact reads none."""
    first = make_invoice(organization=OrganizationFactory(name="Acme Tool"))
    second = make_invoice(organization=OrganizationFactory(name="Beacon Press"))
    Invoice.objects.filter(pk=second.pk).update(contact=None)

    with CaptureQueriesContext(connection) as captured:
        rows = client.get("/api/v1/invoices/?page_size=10").json()["results"]

    page = next(q["sql"] for q in captured.captured_queries if '"crm_organization"' in q["sql"])
    assert "JOIN" not in _top_level(page), page
    assert page.count('"crm_contact"') == 2 and page.count('"crm_organization"') == 1, page
    by_id = {row["id"]: row for row in rows}
    assert by_id[first.pk]["organization_name"] == "Acme Tool"
    assert by_id[first.pk]["contact_name"] == first.contact.full_name
    assert (by_id[second.pk]["organization_name"], by_id[second.pk]["contact_name"]) == (
        "Beacon Press",
        None,
    )


# --- Registrations ----------------------------------------------------------------------------


def _comp_seats() -> list[Registration]:
    """Two registrations on an investor's complimentary seats, the second cancelled (its seats
    given back)."""
    grant = BenefitGrantFactory(quantity=4)
    pledge = PledgeFactory(
        level=grant.level,
        status=Pledge.Status.CONFIRMED,
        start_date=timezone.localdate() - timedelta(days=30),
        term_years=2,
    )
    affiliation = AffiliationFactory(organization=pledge.organization)
    ticket = TicketTypeFactory(member_price=Decimal("35.00"), non_member_price=Decimal("50.00"))
    ticket.event.tags = "Luncheon"
    ticket.event.save()
    made = [
        registration_create(
            event=ticket.event,
            ticket_type=ticket,
            contact=affiliation.contact,
            quantity=quantity,
            organization_name=affiliation.organization.name,
            notify=False,
        )
        for quantity in (1, 2)
    ]
    registration_cancel(registration=made[1], reason="Plans changed.", notify=False)
    return made


def test_registrations_answer_as_their_serializer(client, monkeypatch, make_staff):
    make_registration(contact=ContactFactory(last_name="Garcia"))  # awaiting payment
    checked_in = make_confirmed_registration()
    registration_check_in(registration=checked_in, by=make_staff("Events"))
    ticket = free_ticket(capacity=1)
    for _ in range(3):  # confirmed without an invoice, then two on the waitlist
        make_registration(ticket)
    _comp_seats()
    for _ in range(5):
        make_confirmed_registration(quantity=2)

    _compare(
        client,
        monkeypatch,
        RegistrationViewSet,
        "/api/v1/registrations/",
        [
            {},
            {"status": "confirmed"},
            {"search": "garcia"},
            {"ordering": "-checked_in_at"},
            {"ordering": "quantity"},
        ],
    )
    rows = _results(client, "/api/v1/registrations/")
    assert {row["invoice"] is None for row in rows} == {True, False}
    assert {row["waitlist_position"] for row in rows} >= {None, 1, 2}
    assert {row["checked_in_by"] is None for row in rows} == {True, False}
    assert {row["organization"] is None for row in rows} == {True, False}
    assert sum("given back" in row["comp_seats_note"] for row in rows) == 1


def _next_read(statements: list[str], statement: str) -> str:
    """The statement right after `statement`: a SELECT."""
    after = statements[statements.index(statement) + 1]
    assert after.startswith("SELECT"), after
    return after


def _top_level(sql: str) -> str:
    """`sql` without what its parentheses hold: the statement's own clauses, not its
    subqueries'."""
    while True:
        shorter = re.sub(r"\([^()]*\)", "", sql)
        if shorter == sql:
            return sql
        sql = shorter


# A page's ids: one array on PostgreSQL, a list elsewhere (core.db's in_array lookup).
_BY_IDS = "{} = ANY(" if connection.vendor == "postgresql" else "{} IN ("


def test_a_registrations_page_reads_its_ids_then_its_rows_by_them(client):
    """The page's ids come first from the registrations alone, in the list's order, then the
    rows by those ids (in that order, the last page and an empty one too), each record they
    name read by a subquery: ordered by a column no index holds, the ids alone are sorted, not
    every row with its subqueries."""
    for quantity in (3, 1, 2):
        make_confirmed_registration(quantity=quantity)

    with CaptureQueriesContext(connection) as captured:
        rows = client.get("/api/v1/registrations/?ordering=quantity&page_size=2").json()
    statements = [q["sql"] for q in captured.captured_queries]
    ids = next(s for s in statements if s.startswith('SELECT "crm_registration"."id"'))
    assert "JOIN" not in ids and "ORDER BY" in ids, ids
    by_ids = _next_read(statements, ids)
    tail = by_ids.rsplit(" WHERE ", 1)[1]  # past the subqueries: the statement's own clauses
    assert tail.startswith(_BY_IDS.format('"crm_registration"."id"')), tail
    assert "JOIN" not in _top_level(by_ids), by_ids  # each record a row names: a subquery
    assert "ORDER BY" not in tail and "LIMIT" not in tail, tail
    assert [row["quantity"] for row in rows["results"]] == [1, 2]

    last = client.get("/api/v1/registrations/?ordering=quantity&page_size=2&page=2").json()
    assert [row["quantity"] for row in last["results"]] == [3] and last["next"] is None
    nothing = client.get("/api/v1/registrations/?search=nobody-registered-so").json()
    assert nothing["results"] == [] and nothing["count"] == 0


def test_a_searched_registrations_page_reads_its_rows_by_the_page_ids_alone(client):
    """A rare term's search narrows the list to its matching ids; the page's ids come from
    that, and its rows are read by the page's ids alone: the search's ids beside them made
    PostgreSQL expect one row and read the registrations whole (scale 1.0: 11 ms against 1)."""
    garcias = {make_registration(contact=ContactFactory(last_name="Garcia")).pk for _ in "abc"}
    make_registration(contact=ContactFactory(last_name="Novak"))

    with CaptureQueriesContext(connection) as captured:
        rows = client.get("/api/v1/registrations/?search=garcia&page_size=2").json()
    statements = [q["sql"] for q in captured.captured_queries]
    ids = next(s for s in statements if s.startswith('SELECT "crm_registration"."id" AS "id"'))
    by_ids = _next_read(statements, ids)
    tail = by_ids.rsplit(" WHERE ", 1)[1]
    assert tail.startswith(_BY_IDS.format('"crm_registration"."id"')), tail
    assert tail.count(" IN (") + tail.count(" = ANY(") == 1 and " AND " not in tail, tail
    assert len(rows["results"]) == 2 and {row["id"] for row in rows["results"]} <= garcias
    assert rows["count"] == 3 and rows["next"] is not None


@pytest.mark.postgres
def test_a_registrations_search_walked_tests_each_rows_contact_by_a_subquery(client):
    """A common term's search (more matches than the ids a search reads) tests each row's
    contact and organization by a subquery as the order is walked: no join for the planner to
    hash whole (scale 10: 900 ms), so the page's ids come from the registrations alone, in the
    list's order, and its rows by them."""
    garcias = {make_registration(contact=ContactFactory(last_name="Garcia")).pk for _ in "abc"}
    make_registration(contact=ContactFactory(last_name="Novak"))

    with (
        override_settings(STAFF_API_EXACT_COUNT_LIMIT=1),
        CaptureQueriesContext(connection) as captured,
    ):
        rows = client.get("/api/v1/registrations/?search=garcia&page_size=2").json()
    statements = [q["sql"] for q in captured.captured_queries]
    ids = next(s for s in statements if s.startswith('SELECT "crm_registration"."id" AS "id"'))
    assert "JOIN" not in ids and '"crm_contact"' in ids and "ORDER BY" in ids, ids
    assert len(rows["results"]) == 2 and {row["id"] for row in rows["results"]} <= garcias
    assert rows["next"] is not None


# --- No model instance per row ----------------------------------------------------------------


@pytest.mark.parametrize(
    "view, path, model",
    [
        (OrganizationViewSet, "/api/v1/organizations/", Organization),
        (ContactViewSet, "/api/v1/contacts/", Contact),
        (InvoiceViewSet, "/api/v1/invoices/", Invoice),
    ],
)
def test_it_builds_no_model_instance_for_a_row(client, monkeypatch, view, path, model):
    for _ in range(3):
        make_invoice()  # an organization, its billing contact, an invoice
    built: list[object] = []

    def count(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=model)
    try:
        assert len(_results(client, path)) == 3
        plain = len(built)
        monkeypatch.setattr(view, "plain_rows", None)
        assert len(_results(client, path)) == 3
    finally:
        post_init.disconnect(count, sender=model)
    assert (plain, len(built)) == (0, 3)
