from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm import selectors
from crm.models import DirectoryCategory, Membership, Organization
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations/"


def _names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(row["name"] for row in response.json()["results"])


def test_it_shows_the_current_membership_and_primary_contact(membership_api):
    organization = OrganizationFactory(name="Acme")
    contact = ContactFactory(first_name="Ana", last_name="Diaz", email="ana@acme.example.com")
    AffiliationFactory(organization=organization, contact=contact, is_primary=True)
    AffiliationFactory(organization=organization, is_primary=False)
    plan = PlanFactory(code="corporate", name="Corporate")
    MembershipFactory(organization=organization, status="lapsed", start_date=date(2024, 1, 1))
    current = MembershipFactory(organization=organization, plan=plan, status="active")
    Membership.objects.filter(pk=current.pk).update(paid_through=date(2026, 12, 31))

    row = membership_api.get(f"{URL}{organization.pk}/").json()

    assert row["current_membership"] == {
        "id": current.pk,
        "status": "active",
        "plan": "corporate",
        "plan_name": "Corporate",
        "paid_through": "2026-12-31",
    }
    assert row["primary_contact"] == {
        "id": contact.pk,
        "name": "Ana Diaz",
        "email": "ana@acme.example.com",
    }


def test_the_list_reads_each_summary_by_one_subquery_and_a_filter_adds_its_own(membership_api):
    """The current membership and the primary representative come as one JSON row each: the
    page's statement holds a subquery for each, not one a value; a filter or an ordering on a
    membership value writes that value's subquery only where it is used."""
    organization = OrganizationFactory(name="Acme")
    AffiliationFactory(organization=organization, is_primary=True)
    MembershipFactory(organization=organization, status="active")

    def page_statement(query: str) -> str:
        with CaptureQueriesContext(connection) as captured:
            response = membership_api.get(f"{URL}{query}")
        assert response.status_code == 200 and response.json()["count"] == 1
        (sql,) = [q["sql"] for q in captured if '"crm_organization"."directory_logo"' in q["sql"]]
        return sql

    def subqueries(sql: str, table: str) -> int:
        return sql.count(f'FROM "{table}"') + sql.count(f"FROM {table}")

    plain = page_statement("")
    assert subqueries(plain, "crm_membership") == subqueries(plain, "crm_affiliation") == 1
    assert ' AS "slugs_of_directory_categories"' in plain  # (its categories' slugs: a third)
    ordered = page_statement("?ordering=membership_paid_through")
    assert subqueries(ordered, "crm_membership") == 2  # ORDER BY the paid-through date's own
    assert "ORDER BY (SELECT" in ordered


def test_an_organizations_summary_values_are_its_models_properties():
    """The admin, the export and "My accounts" read the same row through the model, with the
    paid-through date a date again; an organization read without the list's rows has none."""
    organization = OrganizationFactory(name="Acme")
    contact = ContactFactory(first_name="Ana", last_name="Diaz", email="ana@acme.example.com")
    AffiliationFactory(organization=organization, contact=contact, is_primary=True)
    plan = PlanFactory(code="corporate", name="Corporate")
    current = MembershipFactory(organization=organization, plan=plan, status="active")
    Membership.objects.filter(pk=current.pk).update(paid_through=date(2026, 12, 31))

    listed = selectors.organization_list().get(pk=organization.pk)
    assert (
        listed.membership_id,
        listed.membership_status,
        listed.membership_plan,
        listed.membership_plan_code,
        listed.membership_paid_through,
    ) == (current.pk, "active", "Corporate", "corporate", date(2026, 12, 31))
    assert (listed.primary_contact_id, listed.primary_contact_name) == (contact.pk, "Ana Diaz")
    assert listed.primary_contact_email == "ana@acme.example.com"
    assert selectors.organization_list().filter(membership_plan_code="corporate").get() == listed
    plain = Organization.objects.get(pk=organization.pk)
    assert plain.membership_status is None and plain.primary_contact_name is None


def test_it_shows_null_summaries_for_a_new_organization(membership_api):
    row = membership_api.get(f"{URL}{OrganizationFactory().pk}/").json()
    assert row["current_membership"] is None
    assert row["primary_contact"] is None


def test_it_creates_an_organization_through_the_service(membership_api, make_staff):
    response = membership_api.post(
        URL,
        {
            "name": "  Acme Widgets, Inc. ",
            "website": "https://www.acme.example.com",
            "employees": 40,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    organization = Organization.objects.get(pk=response.json()["id"])
    assert organization.email_domain == "acme.example.com"  # the model's normalization ran
    assert organization.history.get().history_user.username == "staff-membership"


def test_it_refuses_bad_input_with_the_field_named(membership_api):
    response = membership_api.post(
        URL, {"name": "", "website": "not a url", "county": "fairfield"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"name", "website", "county"}
    assert not Organization.objects.exists()


def test_it_updates_an_organization(membership_api):
    organization = OrganizationFactory(industry="Banking")
    response = membership_api.patch(
        f"{URL}{organization.pk}/", {"industry": "Insurance", "employees": 12}, format="json"
    )
    assert response.status_code == 200
    organization.refresh_from_db()
    assert (organization.industry, organization.employees) == ("Insurance", 12)


# --- The directory listing ----------------------------------------------------------------


@pytest.fixture
def headings() -> dict[str, DirectoryCategory]:
    return {
        slug: DirectoryCategory.objects.create(name=name, slug=slug)
        for slug, name in [("food", "Food & Drink"), ("law", "Legal"), ("retail", "Retail")]
    }


def test_it_shows_the_directory_listing(membership_api, headings):
    organization = OrganizationFactory(
        name="Bakery",
        directory_listed=True,
        directory_text="Bread since 1921.",
        linkedin_url="https://www.linkedin.com/company/bakery",
        youtube_url="https://youtu.be/bread",
    )
    organization.directory_categories.set([headings["retail"], headings["food"]])
    Organization.objects.filter(pk=organization.pk).update(
        directory_logo=f"directory/logos/{organization.pk}-0a1b2c3d.png"
    )
    OrganizationFactory(name="Plain")

    row = membership_api.get(f"{URL}{organization.pk}/").json()
    listed = [r for r in membership_api.get(URL).json()["results"] if r["name"] == "Bakery"]

    assert listed == [row]
    assert sorted(row["directory_categories"]) == ["food", "retail"]
    assert row["logo_url"] == (
        f"http://testserver/directory/{organization.pk}/logo/{organization.pk}-0a1b2c3d.png"
    )
    assert (row["linkedin_url"], row["youtube_url"], row["facebook_url"]) == (
        "https://www.linkedin.com/company/bakery",
        "https://youtu.be/bread",
        "",
    )
    plain = membership_api.get(URL, {"search": "Plain"}).json()["results"][0]
    assert (plain["directory_categories"], plain["logo_url"]) == ([], None)


def test_it_changes_the_listing_through_the_directory_service(membership_api, headings):
    organization = OrganizationFactory(name="Bakery", industry="Food")
    organization.directory_categories.set([headings["law"]])

    response = membership_api.patch(
        f"{URL}{organization.pk}/",
        {
            "directory_listed": True,
            "directory_categories": ["food", "retail"],
            "instagram_url": "https://www.instagram.com/bakery",
            "industry": "Bakeries",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert sorted(response.json()["directory_categories"]) == ["food", "retail"]
    organization.refresh_from_db()
    assert (organization.directory_listed, organization.industry) == (True, "Bakeries")
    assert organization.instagram_url == "https://www.instagram.com/bakery"
    assert sorted(organization.directory_categories.values_list("slug", flat=True)) == [
        "food",
        "retail",
    ]
    latest = organization.history.first()
    assert latest.history_user.username == "staff-membership"
    assert latest.history_change_reason == (
        "Directory listing changed: listed, Instagram, categories"
    )


def test_it_writes_no_listing_change_for_a_full_update_that_repeats_it(membership_api, headings):
    organization = OrganizationFactory(directory_listed=True, facebook_url="https://fb.com/x")
    organization.directory_categories.set([headings["law"]])
    row = membership_api.get(f"{URL}{organization.pk}/").json()
    rows_before = organization.history.count()

    response = membership_api.put(f"{URL}{organization.pk}/", row, format="json")

    assert response.status_code == 200, response.json()
    reasons = list(organization.history.values_list("history_change_reason", flat=True))
    assert len(reasons) == rows_before + 1  # organization_save's row, no listing row
    assert not any((reason or "").startswith("Directory listing") for reason in reasons)


def test_it_creates_an_organization_with_its_categories(membership_api, headings):
    response = membership_api.post(
        URL,
        {"name": "Counsel LLP", "directory_listed": True, "directory_categories": ["law"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["directory_categories"] == ["law"]
    organization = Organization.objects.get(pk=response.json()["id"])
    assert list(organization.directory_categories.values_list("slug", flat=True)) == ["law"]
    assert organization.directory_listed


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"linkedin_url": "https://www.facebook.com/bakery"}, "linkedin_url", "LinkedIn"),
        ({"x_url": "javascript:alert(1)"}, "x_url", "Enter a valid URL"),
        ({"directory_categories": ["food", "nope"]}, "directory_categories", "nope"),
    ],
)
def test_it_refuses_a_bad_listing_naming_the_field_and_changes_nothing(
    membership_api, headings, changes, field, message
):
    organization = OrganizationFactory(industry="Food")
    organization.directory_categories.set([headings["law"]])
    rows_before = organization.history.count()

    response = membership_api.patch(
        f"{URL}{organization.pk}/", {"industry": "Bakeries", **changes}, format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    organization.refresh_from_db()
    assert organization.industry == "Food"
    assert (organization.linkedin_url, organization.x_url) == ("", "")
    assert list(organization.directory_categories.values_list("slug", flat=True)) == ["law"]
    assert organization.history.count() == rows_before


def test_it_answers_404_for_an_unknown_organization(membership_api):
    response = membership_api.get(f"{URL}999/")
    assert response.status_code == 404
    assert response.json() == {"errors": {"detail": ["Not found."]}}


@pytest.fixture
def directory():
    """Five businesses in different states, for the filters."""
    today = timezone.localdate()
    gold = PlanFactory(code="gold")
    basic = PlanFactory(code="basic")
    acme = OrganizationFactory(
        name="Acme", county="hartford", industry="Insurance", city="Hartford"
    )
    MembershipFactory(organization=acme, plan=gold, status="active")
    Membership.objects.filter(organization=acme).update(paid_through=today + timedelta(days=200))
    late = OrganizationFactory(name="Late Co", county="tolland", industry="Banking")
    MembershipFactory(organization=late, plan=basic, status="active")
    Membership.objects.filter(organization=late).update(paid_through=today - timedelta(days=3))
    grace = OrganizationFactory(name="Grace LLC", county="middlesex", city="Middletown")
    MembershipFactory(organization=grace, plan=basic, status="grace")
    Membership.objects.filter(organization=grace).update(paid_through=today - timedelta(days=20))
    applicant = OrganizationFactory(name="Applicant", county="hartford", directory_listed=True)
    MembershipFactory(organization=applicant, plan=gold, status="applied")
    prospect = OrganizationFactory(name="Prospect", county="other", industry="insurance")
    contact = ContactFactory()
    AffiliationFactory(organization=prospect, contact=contact)
    return {"contact": contact, "today": today}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=active", ["Acme", "Late Co"]),
        ("status=active&status=grace", ["Acme", "Grace LLC", "Late Co"]),
        ("status=applied", ["Applicant"]),
        ("member=true", ["Acme", "Grace LLC", "Late Co"]),
        ("member=false", ["Applicant", "Prospect"]),
        ("plan=gold", ["Acme", "Applicant"]),
        ("county=hartford", ["Acme", "Applicant"]),
        ("county=middlesex&county=tolland", ["Grace LLC", "Late Co"]),
        ("industry=INSURANCE", ["Acme", "Prospect"]),
        ("city=middletown", ["Grace LLC"]),
        ("directory_listed=true", ["Applicant"]),
        ("overdue=true", ["Grace LLC", "Late Co"]),
        ("overdue=false", ["Acme", "Applicant", "Prospect"]),
        ("search=grace", ["Grace LLC"]),
    ],
)
def test_it_filters_organizations(membership_api, directory, query, expected):
    assert _names(membership_api.get(f"{URL}?{query}")) == expected


def test_it_filters_by_paid_through_range(membership_api, directory):
    today = directory["today"]
    after = (today - timedelta(days=10)).isoformat()
    before = (today + timedelta(days=10)).isoformat()
    response = membership_api.get(f"{URL}?paid_through_after={after}&paid_through_before={before}")
    assert _names(response) == ["Late Co"]
    assert _names(membership_api.get(f"{URL}?paid_through_after={before}")) == ["Acme"]


def test_it_filters_by_contact(membership_api, directory):
    contact = directory["contact"]
    assert _names(membership_api.get(f"{URL}?contact={contact.pk}")) == ["Prospect"]


def test_it_filters_by_created_and_modified(membership_api, directory):
    old = Organization.objects.get(name="Prospect")
    long_ago = timezone.now() - timedelta(days=30)
    Organization.objects.filter(pk=old.pk).update(created=long_ago, modified=long_ago)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    everyone_else = ["Acme", "Applicant", "Grace LLC", "Late Co"]
    assert _names(membership_api.get(URL, {"modified_since": since})) == everyone_else
    assert _names(membership_api.get(URL, {"created_after": since})) == everyone_else
    assert _names(membership_api.get(URL, {"created_before": since})) == ["Prospect"]


def test_it_orders_organizations(membership_api, directory):
    rows = membership_api.get(f"{URL}?ordering=-name").json()["results"]
    assert [row["name"] for row in rows][:2] == ["Prospect", "Late Co"]
    rows = membership_api.get(f"{URL}?ordering=membership_paid_through").json()["results"]
    paid = [
        row
        for row in rows
        if row["current_membership"] and row["current_membership"]["paid_through"]
    ]
    assert [row["name"] for row in paid] == ["Grace LLC", "Late Co", "Acme"]


def test_it_refuses_an_invalid_filter_value(membership_api):
    response = membership_api.get(f"{URL}?status=sleeping&paid_through_after=soon")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "paid_through_after"}


def test_it_filters_a_closed_status_by_the_current_membership_only(membership_api):
    today = timezone.localdate()
    returned = OrganizationFactory(name="Returned")
    MembershipFactory(organization=returned, status="lapsed", start_date=today.replace(year=2020))
    MembershipFactory(organization=returned, status="active")
    gone = OrganizationFactory(name="Gone")
    MembershipFactory(organization=gone, status="lapsed")

    assert _names(membership_api.get(f"{URL}?status=lapsed")) == ["Gone"]
    assert _names(membership_api.get(f"{URL}?status=lapsed&status=active")) == [
        "Gone",
        "Returned",
    ]
