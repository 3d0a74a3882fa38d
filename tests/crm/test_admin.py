"""Every CRM admin page, for every staff role: who may open it, and how many queries it runs
(the same however many rows it lists)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import (
    Affiliation,
    Contact,
    InvestorLevel,
    Membership,
    MembershipPlan,
    Note,
    Organization,
    Pledge,
)
from crm.services import membership_approve, membership_cancel
from tests.factories import (
    AffiliationFactory,
    BracketPlanFactory,
    MembershipFactory,
    NoteFactory,
    OrganizationFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db

REFUSED = 403
MEMBERSHIP, FINANCE, EVENTS, READ_ONLY = "Membership", "Finance", "Events", "Read-only"

# model: {role: (changelist, add, change, history)}, each the number of queries the page runs,
# or REFUSED. The counts include the session, the user and the user's permissions.
PAGES: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "organization": {
        MEMBERSHIP: (8, 4, 9, 7),
        FINANCE: (8, REFUSED, 9, 7),
        EVENTS: (8, 4, 8, 7),
        READ_ONLY: (8, REFUSED, 9, 7),
    },
    "contact": {
        MEMBERSHIP: (7, 4, 8, 8),
        FINANCE: (7, REFUSED, 8, 8),
        EVENTS: (7, 4, 8, 8),
        READ_ONLY: (7, REFUSED, 8, 8),
    },
    "affiliation": {
        MEMBERSHIP: (6, 4, 9, 9),
        FINANCE: (6, REFUSED, 7, 9),
        EVENTS: (6, 4, 9, 9),
        READ_ONLY: (6, REFUSED, 7, 9),
    },
    "note": {
        MEMBERSHIP: (6, 4, 7, 7),
        FINANCE: (6, 4, 7, 7),
        EVENTS: (6, 4, 7, 7),
        READ_ONLY: (6, REFUSED, 7, 7),
    },
    "membershipplan": {
        # The change page reads the brackets' change history too (one query).
        MEMBERSHIP: (7, 4, 7, 7),
        FINANCE: (7, REFUSED, 7, 7),
        EVENTS: (7, REFUSED, 6, 7),
        READ_ONLY: (7, REFUSED, 7, 7),
    },
    "membership": {
        MEMBERSHIP: (9, 5, 9, 9),
        FINANCE: (9, REFUSED, 9, 9),
        EVENTS: (9, REFUSED, 7, 9),
        READ_ONLY: (9, REFUSED, 9, 9),
    },
    "investorlevel": {
        MEMBERSHIP: (7, 4, 5, 7),
        FINANCE: (7, REFUSED, 5, 7),
        EVENTS: (REFUSED, REFUSED, REFUSED, REFUSED),
        READ_ONLY: (7, REFUSED, 5, 7),
    },
    "pledge": {
        MEMBERSHIP: (7, 5, 8, 9),
        FINANCE: (7, REFUSED, 8, 9),
        EVENTS: (REFUSED, REFUSED, REFUSED, REFUSED),
        READ_ONLY: (7, REFUSED, 8, 9),
    },
}

# What each role may edit (the change page has a Save button); everything else it sees is
# read-only.
CHANGES = {
    MEMBERSHIP: set(PAGES),
    FINANCE: {"note"},
    EVENTS: {"contact", "affiliation", "note"},
    READ_ONLY: set(),
}

MODELS = {
    "organization": Organization,
    "contact": Contact,
    "affiliation": Affiliation,
    "note": Note,
    "membershipplan": MembershipPlan,
    "membership": Membership,
    "investorlevel": InvestorLevel,
    "pledge": Pledge,
}


def _members(count: int) -> None:
    """`count` organizations, each with a primary contact, a note, an active membership on its own
    bracket plan and a quarterly pledge: a row in every admin list."""
    for _ in range(count):
        organization = OrganizationFactory()
        affiliation = AffiliationFactory(organization=organization)
        NoteFactory(organization=organization, contact=affiliation.contact)
        MembershipFactory(
            organization=organization, plan=BracketPlanFactory(), status=Membership.Status.ACTIVE
        )
        PledgeFactory(organization=organization)


def _get(client, url):
    """The page and its query count, once the per-process caches (content types) are warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def _url(model: str, page: str) -> str:
    obj = MODELS[model].objects.order_by("pk").first()
    return {
        "changelist": f"/admin/crm/{model}/",
        "add": f"/admin/crm/{model}/add/",
        "change": f"/admin/crm/{model}/{obj.pk}/change/",
        "history": f"/admin/crm/{model}/{obj.pk}/history/",
    }[page]


def _cases():
    for model, roles in PAGES.items():
        for role, expected in roles.items():
            for page, queries in zip(
                ("changelist", "add", "change", "history"), expected, strict=True
            ):
                yield pytest.param(model, role, page, queries, id=f"{model}-{page}-{role}")


@pytest.mark.parametrize(("model", "role", "page", "queries"), list(_cases()))
def test_it_serves_each_admin_page_only_to_the_roles_allowed_it(
    client_for, model, role, page, queries
):
    _members(3)
    client = client_for(role)

    response, count = _get(client, _url(model, page))

    if queries == REFUSED:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert count == queries
    content = response.content.decode()
    if page == "changelist":
        can_add = PAGES[model][role][1] != REFUSED
        assert (f'href="/admin/crm/{model}/add/"' in content) is can_add
    if page == "change":
        assert ('name="_save"' in content) is (model in CHANGES[role])


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
    membership_approve(membership=membership)
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
