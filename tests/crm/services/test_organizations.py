import pytest

from core.exceptions import ServiceError
from crm.models import Affiliation, Contact, Note, Organization
from crm.services import affiliation_save, contact_save, note_create, organization_save
from tests.factories import AffiliationFactory, ContactFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_saves_an_organization_with_its_mail_domain_taken_from_the_website():
    user = UserFactory()
    organization = Organization(name="  Acme Tool & Die, LLC ", website="https://www.acme.example")

    organization_save(organization=organization, by=user)

    organization.refresh_from_db()
    assert organization.email_domain == "acme.example"
    assert organization.normalized_name == "acme tool and die"
    assert organization.history.get().history_user == user


def test_it_refuses_an_organization_without_a_name_and_stores_nothing():
    with pytest.raises(ServiceError, match="cannot be blank") as caught:
        organization_save(organization=Organization(name=""))

    assert caught.value.field == "name"
    assert not Organization.objects.exists()


def test_it_refuses_a_second_contact_with_the_same_address_in_any_case():
    ContactFactory(email="pat@acme.example")

    with pytest.raises(ServiceError, match="A contact with this email already exists"):
        contact_save(contact=Contact(first_name="Pat", last_name="R", email="PAT@acme.example"))

    assert Contact.objects.count() == 1


def test_it_moves_the_primary_role_to_a_newly_named_representative():
    user = UserFactory()
    current = AffiliationFactory(is_primary=True)
    organization = current.organization

    newcomer = affiliation_save(
        affiliation=Affiliation(
            contact=ContactFactory(), organization=organization, is_primary=True
        ),
        by=user,
    )

    current.refresh_from_db()
    assert not current.is_primary
    assert Affiliation.objects.get(organization=organization, is_primary=True) == newcomer
    assert current.history.first().history_user == user


def test_it_leaves_the_primary_alone_when_another_contact_is_added_without_the_role():
    current = AffiliationFactory(is_primary=True)

    affiliation_save(
        affiliation=Affiliation(
            contact=ContactFactory(), organization=current.organization, is_billing=True
        )
    )

    current.refresh_from_db()
    assert current.is_primary


def test_it_refuses_to_affiliate_a_contact_twice_with_one_organization():
    current = AffiliationFactory(is_primary=False)

    with pytest.raises(ServiceError):
        affiliation_save(
            affiliation=Affiliation(contact=current.contact, organization=current.organization)
        )

    assert Affiliation.objects.count() == 1


def test_it_writes_a_note_signed_by_its_author():
    user = UserFactory()
    organization = OrganizationFactory()

    note = note_create(
        body="  Wants a table at the gala.  ", author=user, organization=organization
    )

    assert (note.body, note.author, note.organization) == (
        "Wants a table at the gala.",
        user,
        organization,
    )


def test_it_refuses_a_note_about_nobody():
    with pytest.raises(ServiceError, match="belongs to an organization or a contact"):
        note_create(body="Floating thought")

    assert not Note.objects.exists()
