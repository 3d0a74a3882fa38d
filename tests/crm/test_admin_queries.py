"""The CRM admin's lists, filters and change pages run the same number of queries however many
rows they show. (Who may open each page, and its query count, is tests/crm/test_admin.py.)"""

import pytest

from crm.models import Membership, Organization
from crm.services import membership_cancel
from crm.services.memberships import _membership_approve
from tests.crm.test_admin import MEMBERSHIP, MODELS, PAGES, _get, _members
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    NoteFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", list(PAGES))
def test_it_lists_30_rows_in_as_many_queries_as_3(client_for, model):
    client = client_for(MEMBERSHIP)
    _members(3)
    _, with_three = _get(client, f"/admin/crm/{model}/")

    _members(27)
    response, with_thirty = _get(client, f"/admin/crm/{model}/")

    assert len(response.context["cl"].result_list) == MODELS[model].objects.count() >= 30
    assert with_thirty == with_three


@pytest.mark.parametrize(
    "query",
    [
        "?membership_status=active",
        "?membership_status=none",
        "?county__exact=hartford",
        "?industry__exact=Professional+services",
        "?q=example.com",
        "?o=3",
    ],
)
def test_it_filters_searches_and_sorts_organizations_in_a_fixed_number_of_queries(
    client_for, query
):
    client = client_for(MEMBERSHIP)
    _members(3)
    _, with_three = _get(client, f"/admin/crm/organization/{query}")

    _members(27)
    response, with_thirty = _get(client, f"/admin/crm/organization/{query}")

    assert response.status_code == 200
    assert with_thirty == with_three


def _organization_with_inline_rows(organization: Organization, rows: int) -> str:
    for _ in range(rows):
        AffiliationFactory(organization=organization, is_primary=False)
        NoteFactory(organization=organization)
        MembershipFactory(organization=organization, status=Membership.Status.LAPSED)
    return f"/admin/crm/organization/{organization.pk}/change/"


def _contact_with_inline_rows(organization: Organization, rows: int) -> str:
    contact = organization.affiliations.get().contact
    for _ in range(rows):
        AffiliationFactory(contact=contact, is_primary=False)
        NoteFactory(organization=None, contact=contact)
    return f"/admin/crm/contact/{contact.pk}/change/"


def _pledge_with_installments(organization: Organization, rows: int) -> str:
    pledge = PledgeFactory(organization=organization, term_years=rows, installments_per_year=12)
    return f"/admin/crm/pledge/{pledge.pk}/change/"


def _membership_with_history(organization: Organization, rows: int) -> str:
    membership = MembershipFactory(organization=organization)
    _membership_approve(membership=membership)
    for _ in range(rows):
        membership.auto_renew = not membership.auto_renew
        membership.save()
    membership_cancel(membership=membership, reason="Closed")
    return f"/admin/crm/membership/{membership.pk}/history/"


def _affiliation_with_history(organization: Organization, rows: int) -> str:
    affiliation = organization.affiliations.get()
    for number in range(rows):
        affiliation.title = f"Title {number}"
        affiliation.save()
    return f"/admin/crm/affiliation/{affiliation.pk}/history/"


@pytest.mark.parametrize(
    "page_with_rows",
    [
        _organization_with_inline_rows,
        _contact_with_inline_rows,
        _pledge_with_installments,
        _membership_with_history,
        _affiliation_with_history,
    ],
)
def test_it_shows_a_record_with_many_related_rows_in_a_fixed_number_of_queries(
    client_for, page_with_rows
):
    client = client_for(MEMBERSHIP)
    small, big = AffiliationFactory().organization, AffiliationFactory().organization
    _, with_one = _get(client, page_with_rows(small, 1))

    response, with_ten = _get(client, page_with_rows(big, 10))

    assert response.status_code == 200
    assert with_ten == with_one
