from datetime import date
from decimal import Decimal

import pytest

from core.exceptions import ServiceError
from crm import services
from crm.models import Affiliation, Contact, Membership, Note, Organization, Pledge
from crm.services.merges import contact_merge, organization_merge, relations_to_move
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    InvestorLevelFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def pointing_at(record) -> dict[str, int]:
    """How many rows of every relation (other than history) point at the record."""
    counts = {}
    for relation in relations_to_move(type(record)):
        if relation.many_to_many:
            continue
        model = relation.related_model
        counts[model._meta.label] = model._base_manager.filter(
            **{relation.field.name: record}
        ).count()
    return counts


def pledge_for(organization, contact=None) -> Pledge:
    return services.pledge_create(
        organization=organization,
        contact=contact,
        level=InvestorLevelFactory(),
        annual_amount=Decimal("5000.00"),
        start_date=date(2026, 1, 1),
        term_years=1,
        installments_per_year=1,
    )


@pytest.fixture
def staff():
    return UserFactory(username="merger")


def test_it_moves_the_rows_of_every_relation_to_the_organization_that_stays(staff):
    keep = OrganizationFactory(name="Acme Hardware")
    remove = OrganizationFactory(name="ACME Hardware LLC", phone="860-555-0100")
    AffiliationFactory(organization=keep, is_primary=True)
    AffiliationFactory(organization=remove, is_primary=True)
    MembershipFactory(organization=remove, status=Membership.Status.LAPSED)
    MembershipFactory(organization=keep, status=Membership.Status.ACTIVE)
    services.note_create(body="Called about renewal", organization=remove)
    pledge_for(remove)
    before = {label: n + pointing_at(keep)[label] for label, n in pointing_at(remove).items()}
    assert all(pointing_at(remove)[label] for label in ("crm.Affiliation", "crm.Membership"))

    result = organization_merge(keep=keep, remove=remove, by=staff)

    assert not Organization.objects.filter(pk=remove.pk).exists()
    after = pointing_at(keep)
    merge_note = 1
    assert after == {**before, "crm.Note": before["crm.Note"] + merge_note}
    assert result.moved == {"affiliations": 1, "memberships": 1, "notes": 1, "pledges": 1}
    keep.refresh_from_db()
    assert keep.phone == "860-555-0100"
    assert Affiliation.objects.filter(organization=keep, is_primary=True).count() == 1


def test_it_records_the_merge_in_the_kept_records_history_and_notes(staff):
    keep = OrganizationFactory(name="Acme Hardware")
    remove = OrganizationFactory(name="Acme Hardware LLC")
    MembershipFactory(organization=remove, status=Membership.Status.ACTIVE)
    remove_pk = remove.pk

    organization_merge(keep=keep, remove=remove, by=staff)

    latest = keep.history.first()
    assert latest.history_user == staff
    assert (
        latest.history_change_reason == f"Merged Acme Hardware LLC (#{remove_pk}) into this record"
    )
    note = Note.objects.get(organization=keep)
    assert note.author == staff
    assert note.body == (
        f"Merged Acme Hardware LLC (#{remove_pk}) into this record: moved 1 memberships."
    )
    deleted = Organization.history.filter(id=remove_pk).first()
    assert deleted.history_type == "-"
    assert deleted.history_change_reason == f"merged into Acme Hardware (#{keep.pk})"
    moved = Membership.objects.get(organization=keep).history.first()
    assert moved.history_change_reason == f"merged from Acme Hardware LLC (#{remove_pk})"
    assert moved.history_user == staff


def test_it_combines_the_roles_of_a_contact_affiliated_to_both_organizations(staff):
    keep = OrganizationFactory()
    remove = OrganizationFactory()
    person = ContactFactory()
    AffiliationFactory(contact=person, organization=keep, is_primary=False, is_billing=True)
    AffiliationFactory(contact=person, organization=remove, is_primary=True, title="Treasurer")

    result = organization_merge(keep=keep, remove=remove, by=staff)

    place = Affiliation.objects.get(contact=person)
    assert (place.organization, place.is_primary, place.is_billing, place.title) == (
        keep,
        True,
        True,
        "Treasurer",
    )
    assert "combined the roles of 1 shared affiliation(s)" in result.description


def test_it_refuses_to_merge_two_organizations_with_open_memberships(staff):
    keep = OrganizationFactory(name="Acme")
    remove = OrganizationFactory(name="Acme Two")
    MembershipFactory(organization=keep, status=Membership.Status.ACTIVE, plan__name="Gold")
    MembershipFactory(organization=remove, status=Membership.Status.APPLIED, plan__name="Silver")
    AffiliationFactory(organization=remove)

    with pytest.raises(ServiceError) as refused:
        organization_merge(keep=keep, remove=remove, by=staff)

    assert refused.value.message == (
        "Both organizations have an open membership (Acme: active on Gold; Acme Two: applied "
        "on Silver). Drop or reject one of them first."
    )
    assert Organization.objects.filter(pk=remove.pk).exists()
    assert remove.affiliations.count() == 1
    assert not Note.objects.exists()


def test_it_refuses_two_different_stripe_customers_and_a_record_merged_into_itself(staff):
    keep = OrganizationFactory(stripe_customer_id="cus_A")
    remove = OrganizationFactory(stripe_customer_id="cus_B")

    with pytest.raises(ServiceError, match=r"Stripe customer \(cus_A and cus_B\)"):
        organization_merge(keep=keep, remove=remove, by=staff)
    with pytest.raises(ServiceError, match="cannot be merged into itself"):
        organization_merge(keep=keep, remove=keep, by=staff)


def test_it_moves_everything_of_a_contact_to_the_one_that_stays(staff):
    org = OrganizationFactory()
    other_org = OrganizationFactory()
    keep = ContactFactory(first_name="Jane", last_name="Doe", email="", phone="")
    remove = ContactFactory(
        first_name="Jane", last_name="Doe", email="jane@acme.example", phone="860-555-0142"
    )
    AffiliationFactory(contact=keep, organization=org, is_primary=False, is_event_contact=True)
    AffiliationFactory(contact=remove, organization=org, is_primary=True)
    AffiliationFactory(contact=remove, organization=other_org, is_primary=False)
    services.note_create(body="Prefers phone", contact=remove)
    pledge = pledge_for(org, contact=remove)
    remove_pk = remove.pk

    result = contact_merge(keep=keep, remove=remove, by=staff)

    assert not Contact.objects.filter(pk=remove_pk).exists()
    keep.refresh_from_db()
    assert (keep.email, keep.phone) == ("jane@acme.example", "860-555-0142")
    at_org = Affiliation.objects.get(contact=keep, organization=org)
    assert (at_org.is_primary, at_org.is_event_contact) == (True, True)
    assert Affiliation.objects.filter(contact=keep, organization=other_org).exists()
    pledge.refresh_from_db()
    assert pledge.contact == keep
    assert Note.objects.filter(contact=keep).count() == 2
    assert result.moved == {"affiliations": 1, "notes": 1, "pledges": 1}
    assert keep.history.first().history_change_reason == (
        f"Merged Jane Doe (#{remove_pk}, jane@acme.example) into this record"
    )


def test_it_keeps_a_long_merge_reason_within_what_the_history_stores(staff):
    keep = OrganizationFactory(name="K" * 150)
    remove = OrganizationFactory(name="R" * 150)
    MembershipFactory(organization=remove)

    organization_merge(keep=keep, remove=remove, by=staff)

    assert len(keep.history.first().history_change_reason) == 100
    assert Note.objects.get(organization=keep).body.startswith(f"Merged {'R' * 150} (#")
