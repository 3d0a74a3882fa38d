"""Every staff API route and action, for every kind of caller, against a table of who may.

The table below is written from what each role is for (crm/roles.py and the README's role
table), not computed from the permission code it checks. A resource is a row: who may view
(list and retrieve), add (create), change (update and partial update), delete, and run each
action; `None` means the route does not offer that operation (405). The superuser may do
everything a route offers. A new route or action without a row fails
test_it_has_a_row_for_every_route_and_action, naming it.

"Allowed" means the call got past authentication and permissions: its body is empty, so a 400
(or a 409 for a step the record's state refuses) is as good as a 200 here. A refused call must
change nothing in the database and schedule nothing to run after the commit.
"""

from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient

from api.staff_urls import router
from crm.roles import EVENTS, FINANCE, MEMBERSHIP, READ_ONLY
from tests.permission_world import (
    ANONYMOUS,
    DEACTIVATED,
    NO_ROLE,
    NOT_STAFF,
    SUPERUSER,
    changed_tables,
    database_state,
)

M, F, E, RO = MEMBERSHIP, FINANCE, EVENTS, READ_ONLY
EVERYONE = frozenset({M, F, E, RO})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Resource:
    view: frozenset[str] | set[str]
    add: frozenset[str] | set[str] | None = None  # None: not offered
    change: frozenset[str] | set[str] | None = None
    delete: frozenset[str] | set[str] | None = None
    actions: dict[str, frozenset[str] | set[str]] = field(default_factory=dict)  # by url path


# fmt: off
STAFF_API: dict[str, Resource] = {
    "organizations":    Resource(view=EVERYONE, add={M, E}, change={M},
                                 actions={"account-owner": {M}}),
    "contacts":         Resource(view=EVERYONE, add={M, E}, change={M, E}),
    "affiliations":     Resource(view=EVERYONE, add={M, E}, change={M, E}, delete={M},
                                 actions={"confirm": {M, E}, "reject": {M, E}}),
    "notes":            Resource(view=EVERYONE, add={M, F, E}, change={M, F, E}, delete={M}),
    "membership-plans": Resource(view=EVERYONE, add={M}, change={M}),
    "investor-levels":  Resource(view={M, F, RO}, add={M}, change={M}),
    "memberships":      Resource(view=EVERYONE, add={M}, change={M}, actions={
        "approve": {M}, "reject": {M}, "drop": {M}, "reinstate": {M}, "change-plan": {M},
    }),
    "pledges":          Resource(view={M, F, RO}, add={M}, change={M}, actions={
        "confirm": {M}, "decline": {M}, "cancel": {M},
    }),
    "pledge-renewals":  Resource(view={M, F, RO}, actions={"accept": {M}, "decline": {M}}),
    "events":           Resource(view=EVERYONE, add={E}, change={E}, actions={
        "publish": {E}, "unpublish": {E}, "cancel": {E},
    }),
    "ticket-types":     Resource(view=EVERYONE, add={E}, change={E}, delete={E}),
    "registrations":    Resource(view=EVERYONE, add={E}, actions={
        "check-in": {E}, "undo-check-in": {E}, "cancel": {E},
    }),
    "invoices":         Resource(view=EVERYONE, actions={
        "issue": {F}, "resend": {F}, "void": {F}, "write-off": {F}, "record-payment": {F},
        "refund": {F}, "pdf": EVERYONE, "bill-again": {F},
    }),
    "payments":         Resource(view=EVERYONE, actions={"receipt": EVERYONE}),
    "refunds":          Resource(view=EVERYONE),
    "payouts":          Resource(view={M, F, RO}),
    # Account work: the membership staff own the accounts; finance and read-only read them.
    "prospects":        Resource(view={M, F, RO}, add={M}, actions={"move": {M}}),
    "tasks":            Resource(view={M, F, RO}, add={M}, change={M},
                                 actions={"complete": {M}}),
    "interactions":     Resource(view={M, F, RO}, add={M}),
    "engagement-scores": Resource(view=EVERYONE, actions={"at-risk": EVERYONE}),
    # Benefits: membership staff define them and record uses; finance and read-only read them.
    "benefits":         Resource(view={M, F, RO}, add={M}, change={M}),
    "benefit-usages":   Resource(view={M, F, RO}, add={M}),
    "organization-benefits": Resource(view={M, F, RO}),
}
# fmt: on

EVENTS_BY_SESSION = f"{EVENTS} (signed in, no token)"
CALLERS = [
    M,
    F,
    E,
    RO,
    EVENTS_BY_SESSION,
    NO_ROLE,
    NOT_STAFF,
    DEACTIVATED,
    SUPERUSER,
    ANONYMOUS,
]
ROLE_OF = {M: M, F: F, E: E, RO: RO, EVENTS_BY_SESSION: E}

# operation -> (method, on a record?, the table's column)
STANDARD = {
    "list": ("get", False, "view"),
    "retrieve": ("get", True, "view"),
    "create": ("post", False, "add"),
    "update": ("put", True, "change"),
    "partial_update": ("patch", True, "change"),
    "destroy": ("delete", True, "delete"),
}

ALLOWED, REFUSED, NOT_OFFERED = "allowed", "refused", "not offered"


def who_may(resource: str, operation: str) -> frozenset[str] | set[str] | None:
    row = STAFF_API[resource]
    if operation.startswith("action:"):
        return row.actions[operation.removeprefix("action:")]
    return getattr(row, STANDARD[operation][2])


def expected(caller: str, resource: str, operation: str) -> str | int:
    """401, 403, 405, ALLOWED, or REFUSED (403 or 405: a role asking for an operation the route
    does not offer may be stopped by either check first)."""
    if caller in (ANONYMOUS, DEACTIVATED):
        return 401
    allowed = who_may(resource, operation)
    if caller in (NOT_STAFF, NO_ROLE):
        return 403
    if allowed is None:
        return 405 if caller == SUPERUSER else REFUSED
    if caller == SUPERUSER or ROLE_OF[caller] in allowed:
        return ALLOWED
    return 403


OPERATIONS = [
    (resource, operation)
    for resource, row in STAFF_API.items()
    for operation in [*STANDARD, *(f"action:{name}" for name in row.actions)]
]


def _viewset(resource: str):
    return next(viewset for prefix, viewset, _ in router.registry if prefix == resource)


def _request(world, resource: str, operation: str) -> tuple[str, str]:
    if operation.startswith("action:"):
        url_path = operation.removeprefix("action:")
        action = next(a for a in _viewset(resource).get_extra_actions() if a.url_path == url_path)
        method, on_record = next(iter(action.mapping)), action.detail
    else:
        method, on_record, _ = STANDARD[operation]
        url_path = ""
    url = f"/api/v1/{resource}/"
    if on_record:
        url += f"{world.record(_viewset(resource).queryset.model).pk}/"
    if url_path:
        url += f"{url_path}/"
    return method, url


def _client(world, caller: str) -> APIClient:
    client = APIClient()
    if caller == EVENTS_BY_SESSION:
        client.force_login(world.users[EVENTS])
    elif caller != ANONYMOUS:
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[caller]}")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("resource", "operation"), OPERATIONS)
def test_it_answers_each_caller_as_the_table_says(
    world,
    django_capture_on_commit_callbacks,
    caller,
    resource,
    operation,
):
    client = _client(world, caller)
    method, url = _request(world, resource, operation)
    want = expected(caller, resource, operation)
    before = database_state() if want != ALLOWED else None

    with django_capture_on_commit_callbacks() as callbacks:
        response = getattr(client, method)(url, {}, format="json")

    code = response.status_code
    if want == ALLOWED:
        assert code not in (401, 403, 404, 405) and code < 500, (
            f"{caller} should be allowed to {method.upper()} {url}: {code} {response.content!r}"
        )
        return
    if want == REFUSED:
        assert code in (403, 405), f"{caller} should be refused {method.upper()} {url}: {code}"
    else:
        assert code == want, f"{caller} {method.upper()} {url}: {code}, not {want}"
    assert response.json()["errors"]["detail"]
    assert changed_tables(before, database_state()) == [], f"{method.upper()} {url} changed them"
    assert callbacks == [], f"a refused {method.upper()} {url} scheduled work"


def test_it_has_a_row_for_every_route_and_action():
    routed = {prefix: viewset for prefix, viewset, _ in router.registry}
    missing = sorted(set(routed) - set(STAFF_API))
    assert not missing, f"staff API routes without a row in STAFF_API: {missing}"
    stale = sorted(set(STAFF_API) - set(routed))
    assert not stale, f"rows in STAFF_API for routes that do not exist: {stale}"
    for prefix, viewset in routed.items():
        row = STAFF_API[prefix]
        for operation, (_, _, column) in STANDARD.items():
            if column == "view":
                assert hasattr(viewset, operation), f"{prefix} has no {operation}"
                continue
            offered = hasattr(viewset, operation)
            in_table = getattr(row, column) is not None
            assert offered == in_table, (
                f"{prefix}: {operation} is {'offered' if offered else 'not offered'} but "
                f"STAFF_API says {column}={getattr(row, column)!r}"
            )
        actions = {action.url_path for action in viewset.get_extra_actions()}
        assert actions == set(row.actions), (
            f"{prefix}: actions without a row: {sorted(actions - set(row.actions))}; "
            f"rows without an action: {sorted(set(row.actions) - actions)}"
        )
