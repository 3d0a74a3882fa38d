"""Every CRM admin page, for every staff role: who may open it, and how many queries it runs.
(That the count stays the same however many rows a page lists: tests/crm/test_admin_queries.py.)"""

import pytest
from django.db import connection, transaction
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
# or REFUSED. The counts include the session, the user and the user's permissions (one query).
PAGES: dict[str, dict[str, tuple[int, int, int, int]]] = {
    # The change page lists the years with a dues deductibility setting (one query) and, for
    # the roles that see billing, the organization's credit balance entries (one query), and
    # its pending affiliations (one query). An organization's page reads its benefits this term
    # once, for their table and its engagement score (three queries: the membership, the
    # pledges, the grants; a fourth, the uses, when something is granted), the rest of its
    # engagement facts (two: its events, payments, membership and sign-ins in one, its open
    # invoices), the timeline (one query, every source), the portal activity (one) and, for
    # roles that see them, its interactions (one more). The list's month filters read the
    # months on record (two queries); the add page reads the directory categories. (The page
    # of an organization with rows of every kind: tests/crm/test_admin_organization_page.py.)
    "organization": {
        MEMBERSHIP: (9, 4, 21, 6),
        FINANCE: (9, REFUSED, 20, 6),
        EVENTS: (9, 4, 17, 6),
        READ_ONLY: (9, REFUSED, 20, 6),
    },
    # Roles that see newsletter subscriptions read them on a contact's page: one query more.
    "contact": {
        # The change page's "member portal" line (portal/admin.py) reads the portal account.
        # The list's county filter reads the counties on record (one query).
        MEMBERSHIP: (7, 3, 9, 7),
        FINANCE: (7, REFUSED, 7, 7),
        EVENTS: (7, 3, 8, 7),
        READ_ONLY: (7, REFUSED, 8, 7),
    },
    "affiliation": {
        MEMBERSHIP: (5, 3, 8, 8),
        FINANCE: (5, REFUSED, 6, 8),
        EVENTS: (5, 3, 8, 8),
        READ_ONLY: (5, REFUSED, 6, 8),
    },
    "note": {
        MEMBERSHIP: (5, 3, 6, 6),
        FINANCE: (5, 3, 6, 6),
        EVENTS: (5, 3, 6, 6),
        READ_ONLY: (5, REFUSED, 6, 6),
    },
    "membershipplan": {
        # The change page reads the brackets' change history too (one query), and the benefits
        # the plan grants (one query, for roles that see them).
        MEMBERSHIP: (6, 3, 7, 6),
        FINANCE: (6, REFUSED, 7, 6),
        EVENTS: (6, REFUSED, 5, 6),
        READ_ONLY: (6, REFUSED, 7, 6),
    },
    "membership": {
        # The change page shows the organization's saved payment method (one query).
        # The list's month filters read the months on record (two queries).
        MEMBERSHIP: (10, 4, 9, 8),
        FINANCE: (10, REFUSED, 9, 8),
        EVENTS: (10, REFUSED, 7, 8),
        READ_ONLY: (10, REFUSED, 9, 8),
    },
    "investorlevel": {
        # The change page reads the benefits the level grants (one query).
        MEMBERSHIP: (6, 3, 5, 6),
        FINANCE: (6, REFUSED, 5, 6),
        EVENTS: (REFUSED, REFUSED, REFUSED, REFUSED),
        READ_ONLY: (6, REFUSED, 5, 6),
    },
    "pledge": {
        MEMBERSHIP: (6, 4, 7, 8),
        FINANCE: (6, REFUSED, 7, 8),
        EVENTS: (REFUSED, REFUSED, REFUSED, REFUSED),
        READ_ONLY: (6, REFUSED, 7, 8),
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


@pytest.fixture(scope="module")
def three_members(django_db_setup, django_db_blocker):
    """`_members(3)`, built once for the module inside a transaction rolled back at its end; each
    test runs in a savepoint of its own within it, so what a test writes is gone for the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            _members(3)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


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
    three_members, client_for, model, role, page, queries
):
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
