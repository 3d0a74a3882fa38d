"""POST /api/v1/public/inquiries/: the site-selector and contact forms. The business and the
person are found or created as a join finds them, the inquiry recorded, a new business started
as a lead, staff told; the answer is the same whatever the chamber knew, and bursts are
throttled like every public POST."""

import pytest
from django.core import mail

from api.throttling import PublicRateThrottle
from crm.models import Contact, Inquiry, Membership, Organization, Prospect
from crm.services.pipeline import organization_set_account_owner
from tests.api.public_helpers import committing_client
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/public/inquiries/"


def body(**changes):
    values = {
        "kind": "site_selector",
        "organization": {"name": "Nutmeg Robotics", "website": "nutmegrobotics.example"},
        "contact": {
            "first_name": "Priya",
            "last_name": "Shah",
            "email": "priya@nutmegrobotics.example",
        },
        "message": "We are looking for 40,000 square feet near Hartford.",
    }
    values.update(changes)
    return values


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


def test_it_records_an_inquiry_and_starts_a_new_business_as_a_lead(api, settings):
    settings.MEMBERSHIP_STAFF_EMAILS = ["members@example.org"]

    response = api.post(URL, body(), format="json")

    assert response.status_code == 202
    assert response.json()["status"] == "received"
    inquiry = Inquiry.objects.get()
    assert inquiry.organization.name == "Nutmeg Robotics"
    assert inquiry.contact.email == "priya@nutmegrobotics.example"
    assert inquiry.organization.affiliations.get().is_primary
    prospect = Prospect.objects.get()
    assert (prospect.organization, prospect.stage, prospect.source) == (
        inquiry.organization,
        "lead",
        "website",
    )
    assert [m.to for m in mail.outbox] == [["members@example.org"]]  # the sender is not mailed
    assert "40,000 square feet" in mail.outbox[0].body


def test_it_answers_the_same_for_a_known_business_and_person_and_tells_its_owner(api):
    owner = UserFactory(username="owner")
    known = OrganizationFactory(name="Nutmeg Robotics", website="https://nutmegrobotics.example")
    person = ContactFactory(email="priya@nutmegrobotics.example")
    AffiliationFactory(organization=known, contact=person)
    organization_set_account_owner(organization=known, owner=owner)
    MembershipFactory(organization=known, status=Membership.Status.ACTIVE)

    fresh = api.post(URL, body(organization={"name": "Brand New LLC"}), format="json")
    again = api.post(URL, body(), format="json")

    assert again.status_code == fresh.status_code == 202
    assert again.json() == fresh.json()
    assert Organization.objects.filter(name="Nutmeg Robotics").count() == 1
    assert Contact.objects.filter(email="priya@nutmegrobotics.example").count() == 1
    inquiry = Inquiry.objects.get(organization=known)
    assert "existing organization" in inquiry.match_note
    # A member writing in is not a prospect; the owner hears of it.
    assert not Prospect.objects.filter(organization=known).exists()
    assert mail.outbox[-1].to == [owner.email]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"message": "   "}, "message"),
        ({"contact": {"first_name": "P", "last_name": "S", "email": "nope"}}, "contact.email"),
        ({"organization": {"name": ""}}, "organization.name"),
        ({"company_fax": "555-0100"}, "non_field_errors"),  # the honeypot
    ],
)
def test_it_refuses_bad_input_and_creates_nothing(api, changes, field):
    response = api.post(URL, body(**changes), format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Inquiry.objects.exists() and not Organization.objects.exists()


def test_it_throttles_a_burst_from_one_address(api, monkeypatch):
    monkeypatch.setattr(PublicRateThrottle, "THROTTLE_RATES", {"public": "3/minute"})

    codes = [
        api.post(
            URL,
            body(contact={"first_name": "A", "last_name": "B", "email": f"a{n}@example.org"}),
            format="json",
            REMOTE_ADDR="203.0.113.7",
        ).status_code
        for n in range(6)
    ]

    assert codes == [202] * 3 + [429] * 3
    assert Inquiry.objects.count() == 3


def test_it_takes_an_inquiry_in_at_most_25_queries(api, django_assert_max_num_queries):
    known = OrganizationFactory(name="Nutmeg Robotics")
    AffiliationFactory(organization=known)

    with django_assert_max_num_queries(25):
        new = api.post(URL, body(organization={"name": "Brand New LLC"}), format="json")
    with django_assert_max_num_queries(25):
        matched = api.post(URL, body(), format="json")

    assert new.status_code == matched.status_code == 202
