"""Contacts, affiliations and notes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Affiliation, Contact, Note
from tests.api.staff.conftest import make_note
from tests.factories import AffiliationFactory, ContactFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _results(response) -> list[dict]:
    assert response.status_code == 200, response.json()
    return response.json()["results"]


# --- Contacts -------------------------------------------------------------------------------


def test_it_shows_where_a_contact_works(membership_api):
    contact = ContactFactory(first_name="Ana", last_name="Diaz")
    AffiliationFactory(
        contact=contact,
        organization=OrganizationFactory(name="Acme"),
        title="CFO",
        is_primary=True,
        is_billing=True,
    )
    row = membership_api.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert row["full_name"] == "Ana Diaz"
    assert [(a["organization_name"], a["title"], a["roles"]) for a in row["affiliations"]] == [
        ("Acme", "CFO", ["primary representative", "billing contact"])
    ]


def test_it_creates_a_contact_with_a_normalized_email(membership_api):
    response = membership_api.post(
        "/api/v1/contacts/",
        {"first_name": "Ana", "last_name": "Diaz", "email": "Ana.Diaz@Acme.Example.com"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["email"] == "ana.diaz@acme.example.com"


def test_it_refuses_a_second_contact_with_the_same_email(membership_api):
    ContactFactory(email="ana@acme.example.com")
    response = membership_api.post(
        "/api/v1/contacts/",
        {"first_name": "Ana", "last_name": "D", "email": "ANA@acme.example.com"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"errors": {"detail": ["A contact with this email already exists."]}}
    assert Contact.objects.count() == 1


@pytest.fixture
def people():
    acme, globex = OrganizationFactory(name="Acme"), OrganizationFactory(name="Globex")
    ana = ContactFactory(first_name="Ana", last_name="Diaz", email="ana@acme.example.com")
    bo = ContactFactory(first_name="Bo", last_name="Lee", phone="860-555-0101")
    cy = ContactFactory(first_name="Cy", last_name="Ng")
    AffiliationFactory(contact=ana, organization=acme, is_primary=True)
    AffiliationFactory(contact=bo, organization=acme, is_primary=False, is_billing=True)
    AffiliationFactory(contact=bo, organization=globex, is_primary=True, is_event_contact=True)
    return {"acme": acme, "globex": globex, "ana": ana, "bo": bo, "cy": cy}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("organization={acme}", ["Ana", "Bo"]),
        ("role=primary", ["Ana", "Bo"]),
        ("role=billing", ["Bo"]),
        ("role=event", ["Bo"]),
        ("organization={acme}&role=primary", ["Ana"]),
        ("email=ANA@acme.example.com", ["Ana"]),
        ("search=860-555", ["Bo"]),
        ("search=ng", ["Cy"]),
    ],
)
def test_it_filters_contacts(membership_api, people, query, expected):
    url = "/api/v1/contacts/?" + query.format(acme=people["acme"].pk)
    assert sorted(row["first_name"] for row in _results(membership_api.get(url))) == expected


def test_it_filters_contacts_by_modified_since(membership_api, people):
    past = timezone.now() - timedelta(days=3)
    Contact.objects.exclude(pk=people["cy"].pk).update(modified=past, created=past)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    for name in ("modified_since", "created_after"):
        rows = _results(membership_api.get("/api/v1/contacts/", {name: since}))
        assert [row["first_name"] for row in rows] == ["Cy"]
    rows = _results(membership_api.get("/api/v1/contacts/", {"created_before": since}))
    assert sorted(row["first_name"] for row in rows) == ["Ana", "Bo"]


def test_it_orders_contacts(membership_api, people):
    rows = _results(membership_api.get("/api/v1/contacts/?ordering=-last_name"))
    assert [row["last_name"] for row in rows] == ["Ng", "Lee", "Diaz"]


# --- Affiliations ---------------------------------------------------------------------------


def test_it_moves_the_primary_role_to_a_new_primary(membership_api, people):
    response = membership_api.post(
        "/api/v1/affiliations/",
        {"contact": people["cy"].pk, "organization": people["acme"].pk, "is_primary": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["roles"] == ["primary representative"]
    primaries = Affiliation.objects.filter(organization=people["acme"], is_primary=True)
    assert [a.contact for a in primaries] == [people["cy"]]


def test_it_refuses_the_same_contact_twice_at_one_organization(membership_api, people):
    response = membership_api.post(
        "/api/v1/affiliations/",
        {"contact": people["ana"].pk, "organization": people["acme"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert "already exists" in str(response.json()["errors"])


def test_it_refuses_an_unknown_contact(membership_api, people):
    response = membership_api.post(
        "/api/v1/affiliations/", {"contact": 999, "organization": people["acme"].pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["contact"]


def test_it_removes_an_affiliation(membership_api, people):
    affiliation = Affiliation.objects.get(contact=people["ana"])
    assert membership_api.delete(f"/api/v1/affiliations/{affiliation.pk}/").status_code == 204
    assert not Affiliation.objects.filter(pk=affiliation.pk).exists()
    assert Contact.objects.filter(pk=people["ana"].pk).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("organization={acme}", [("Ana", "Acme"), ("Bo", "Acme")]),
        ("contact={bo}", [("Bo", "Acme"), ("Bo", "Globex")]),
        ("is_primary=true", [("Ana", "Acme"), ("Bo", "Globex")]),
        ("is_billing=true", [("Bo", "Acme")]),
        ("is_event_contact=true", [("Bo", "Globex")]),
        ("search=diaz", [("Ana", "Acme")]),
    ],
)
def test_it_filters_affiliations(membership_api, people, query, expected):
    url = "/api/v1/affiliations/?" + query.format(acme=people["acme"].pk, bo=people["bo"].pk)
    rows = _results(membership_api.get(url))
    assert sorted((r["contact_name"].split()[0], r["organization_name"]) for r in rows) == expected


def test_it_filters_affiliations_by_modified_since(membership_api, people):
    Affiliation.objects.update(modified=timezone.now() - timedelta(days=3))
    AffiliationFactory(contact=people["cy"], organization=people["globex"], is_primary=False)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    rows = _results(membership_api.get("/api/v1/affiliations/", {"modified_since": since}))
    assert [row["contact"] for row in rows] == [people["cy"].pk]


# --- Notes ----------------------------------------------------------------------------------


def test_it_writes_a_note_signed_by_its_author(membership_api, people):
    response = membership_api.post(
        "/api/v1/notes/",
        {"organization": people["acme"].pk, "body": "  Wants the gala table.  "},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["author"] == "staff-membership"
    assert response.json()["body"] == "Wants the gala table."


def test_it_refuses_a_note_about_nothing(membership_api):
    response = membership_api.post("/api/v1/notes/", {"body": "Hello"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"detail": ["A note belongs to an organization or a contact."]}
    }
    assert not Note.objects.exists()


def test_it_edits_a_note_but_not_what_it_is_about(membership_api, people):
    note = make_note(organization=people["acme"])
    response = membership_api.patch(
        f"/api/v1/notes/{note.pk}/", {"body": "Renewal in March."}, format="json"
    )
    assert response.status_code == 200
    response = membership_api.patch(
        f"/api/v1/notes/{note.pk}/", {"organization": people["globex"].pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["organization"]
    note.refresh_from_db()
    assert (note.body, note.organization) == ("Renewal in March.", people["acme"])


def test_it_filters_notes(membership_api, people):
    author = UserFactory(username="writer")
    about_acme = make_note(organization=people["acme"], body="Gala table", author=author)
    about_ana = make_note(contact=people["ana"], body="Prefers email")
    old = make_note(organization=people["globex"], body="Old news")
    past = timezone.now() - timedelta(days=3)
    Note.objects.filter(pk=old.pk).update(created=past, modified=past)
    since = (timezone.now() - timedelta(days=1)).isoformat()

    def ids(**query) -> list[int]:
        return sorted(row["id"] for row in _results(membership_api.get("/api/v1/notes/", query)))

    assert ids(organization=people["acme"].pk) == [about_acme.pk]
    assert ids(contact=people["ana"].pk) == [about_ana.pk]
    assert ids(author=author.pk) == [about_acme.pk]
    assert ids(search="gala") == [about_acme.pk]
    assert ids(modified_since=since) == [about_acme.pk, about_ana.pk]
    assert ids(created_after=since) == [about_acme.pk, about_ana.pk]
    assert ids(created_before=since) == [old.pk]
