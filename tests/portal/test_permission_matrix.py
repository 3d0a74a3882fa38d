"""Every portal page and action, for each role at the organization, a contact of another
organization, a contact at none and an anonymous visitor, against a table of who may.

The table is written from docs/portal.md's role table, not computed from portal.permissions.
"Allowed" means the request got past the permission check (a page, a download, or the
redirect after an action); a refused request changes nothing in the database. Every allowed
write is undone before the next request."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver

from crm.models import DuesDeductibility, Pledge
from crm.services.renewals import pledge_renewal_propose
from tests.permission_world import changed_tables, database_state
from tests.portal.conftest import PortalWorld, signed_in

pytestmark = pytest.mark.django_db

PRIMARY, BILLING, EVENT, PLAIN = "primary", "billing", "event contact", "no role"
OTHER, NOWHERE, ANONYMOUS = "contact of another organization", "contact at none", "anonymous"
# A link proposed on a public form and not confirmed: at the organization for nothing.
PENDING = "pending (self-attached, unconfirmed)"
CALLERS = (PRIMARY, BILLING, EVENT, PLAIN, PENDING, OTHER, NOWHERE, ANONYMOUS)

ALL_ROLES = frozenset({PRIMARY, BILLING, EVENT, PLAIN})
MONEY = frozenset({PRIMARY, BILLING})
PRIMARY_ONLY = frozenset({PRIMARY})
SIGNED_IN = frozenset({PRIMARY, BILLING, EVENT, PLAIN, PENDING, OTHER, NOWHERE})
REGISTRARS = frozenset({PRIMARY, EVENT})  # registering and cancelling colleagues' seats


@dataclass(frozen=True)
class Route:
    name: str  # the URL's name in portal/urls.py
    method: str
    path: str  # {org}, {invoice}, {payment}, {plain}, {event}, {year} are filled in
    who: frozenset[str]  # who may; the rest of the organization's people get 403
    data: tuple[tuple[str, str], ...] = ()
    for_organization: bool = True  # other organizations' contacts get 404, anonymous 302
    refused: int = 403  # what the organization's people without the role get
    allowed: int = 0  # what those who may get, when not 200 for a page and 302 for an action


# Pat (no role) registered for the coffee: by Pat themselves or by a registrar.
REGISTER_PAT = (("ticket_type", "{coffee_ticket}"), ("contacts", "{pat}"))
INVITE = (("first_name", "Ivy"), ("last_name", "Nguyen"), ("email", "ivy@frontstreet.example.com"))

# fmt: off
ROUTES = [
    Route("home", "GET", "/members/", SIGNED_IN, for_organization=False),
    Route("me", "GET", "/members/me/", SIGNED_IN, for_organization=False),
    Route("me", "POST", "/members/me/", SIGNED_IN,
          (("first_name", "Sam"), ("last_name", "Ortiz"), ("phone", "860-555-0100")),
          for_organization=False),
    Route("registration-cancel", "POST", "/members/me/registrations/{registration}/cancel/",
          PRIMARY_ONLY, for_organization=False, refused=404),  # one's own only: Dana's
    Route("organization", "GET", "/members/{org}/", ALL_ROLES),
    Route("invoices", "GET", "/members/{org}/invoices/", MONEY),
    Route("invoice-pdf", "GET", "/members/{org}/invoices/{invoice}/pdf/", MONEY),
    Route("receipt-pdf", "GET", "/members/{org}/payments/{payment}/receipt/", MONEY),
    Route("statement", "GET", "/members/{org}/statement/", MONEY),
    Route("statement-pdf", "GET", "/members/{org}/statement/pdf/", MONEY),
    Route("dues-statement", "GET", "/members/{org}/statement/{year}/pdf/", MONEY),
    Route("payment-method", "GET", "/members/{org}/payment-method/", MONEY),
    Route("payment-method-setup", "POST", "/members/{org}/payment-method/setup/", MONEY),
    Route("payment-method-saved", "GET", "/members/{org}/payment-method/saved/?session_id=cs_1",
          MONEY, allowed=302),  # Stripe's return: back to the page with what happened
    Route("auto-renew", "POST", "/members/{org}/auto-renew/", MONEY, (("auto_renew", "on"),)),
    Route("pledge-renewal-accept", "POST", "/members/{org}/pledge-renewals/{proposal}/accept/",
          PRIMARY_ONLY),
    Route("plan", "GET", "/members/{org}/plan/", PRIMARY_ONLY),
    Route("plan", "POST", "/members/{org}/plan/", PRIMARY_ONLY, (("plan", "{bigger_plan}"),)),
    Route("events", "GET", "/members/{org}/events/", ALL_ROLES),
    Route("event-register", "GET", "/members/{org}/events/{coffee}/register/", ALL_ROLES),
    Route("event-register", "POST", "/members/{org}/events/{coffee}/register/",
          REGISTRARS | {PLAIN}, REGISTER_PAT),
    Route("org-registration-cancel", "POST", "/members/{org}/registrations/{registration}/cancel/",
          REGISTRARS),  # Dana's own, and the event contact's to cancel
    Route("directory", "GET", "/members/{org}/directory/", PRIMARY_ONLY),
    Route("directory", "POST", "/members/{org}/directory/", PRIMARY_ONLY,
          (("directory_listed", "on"), ("directory_text", "Bread since 1921."))),
    Route("colleagues", "GET", "/members/{org}/colleagues/", PRIMARY_ONLY),
    Route("colleagues", "POST", "/members/{org}/colleagues/", PRIMARY_ONLY, INVITE),
    Route("colleague-remove", "POST", "/members/{org}/colleagues/{plain}/remove/", PRIMARY_ONLY),
    Route("colleague-primary", "POST", "/members/{org}/colleagues/{event}/make-primary/",
          PRIMARY_ONLY),
    Route("colleague-confirm", "POST", "/members/{org}/colleagues/{pending}/confirm/",
          PRIMARY_ONLY),
    Route("colleague-decline", "POST", "/members/{org}/colleagues/{pending}/decline/",
          PRIMARY_ONLY),
]
# fmt: on
# Reached without signing in, by design: the sign-in pages themselves.
PUBLIC = {"sign-in", "link", "sign-out"}


def _contact(world: PortalWorld, caller: str):  # type: ignore[no-untyped-def]
    return {
        PRIMARY: world.primary.contact,
        BILLING: world.billing.contact,
        EVENT: world.event.contact,
        PLAIN: world.plain.contact,
        OTHER: world.other.contact,
        NOWHERE: world.unaffiliated,
        PENDING: world.pending.contact,
        ANONYMOUS: None,
    }[caller]


def _fill(path: str, world: PortalWorld) -> str:
    return path.format(
        org=world.organization.pk,
        invoice=world.paid_invoice.pk,
        payment=world.payment.pk,
        plain=world.plain.pk,
        event=world.event.pk,
        year=world.paid_invoice.issue_date.year,
        bigger_plan=world.bigger_plan.pk,
        registration=world.registration.pk,
        coffee=world.registration.event_id,
        coffee_ticket=world.registration.ticket_type_id,
        pat=world.plain.contact_id,
        proposal=_proposal(world).pk,
        pending=world.pending.pk,
    )


def _proposal(world: PortalWorld):  # type: ignore[no-untyped-def]
    """The renewal proposal of the organization's pledge (made the first time it is asked)."""
    return pledge_renewal_propose(pledge=Pledge.objects.get(organization=world.organization))


def _expected(route: Route, caller: str) -> int:
    if caller == ANONYMOUS:
        return 302  # to the sign-in page
    if route.name == "home" and caller not in (NOWHERE, PENDING):
        return 302  # a contact at one organization goes straight to it
    if caller in route.who:
        return route.allowed or (200 if route.method == "GET" else 302)
    if route.for_organization and caller not in ALL_ROLES:
        return 404
    return route.refused


def test_it_has_a_row_for_every_portal_url():
    names = {
        pattern.name
        for pattern in get_resolver("portal.urls").url_patterns  # type: ignore[union-attr]
    }
    assert names == {route.name for route in ROUTES} | PUBLIC


@pytest.mark.parametrize("caller", CALLERS)
def test_it_lets_each_caller_do_what_their_roles_allow(caller, portal_world):
    DuesDeductibility.objects.create(
        year=portal_world.paid_invoice.issue_date.year, non_deductible_percent=Decimal("10")
    )
    _proposal(portal_world)  # made before the routes run: they are measured for changes
    contact = _contact(portal_world, caller)
    client = signed_in(contact) if contact is not None else Client()
    wrong = []
    for route in ROUTES:
        before = database_state()
        with transaction.atomic():
            response = _call(client, route, portal_world)
            after = database_state()
            transaction.set_rollback(True)
        expected = _expected(route, caller)
        if response.status_code != expected:
            wrong.append(f"{route.method} {route.path}: {response.status_code}, not {expected}")
        if expected == 302 and caller == ANONYMOUS:
            assert response["Location"] == "/members/sign-in/"
        if (
            expected in (403, 404, 302)
            and caller not in route.who
            and changed_tables(before, after)
        ):
            changed = changed_tables(before, after)
            wrong.append(f"{route.method} {route.path} was refused but changed {changed}")
    assert not wrong, "\n".join(wrong)


def test_it_answers_the_same_404_for_another_organizations_records_as_for_missing_ones(
    portal_world,
):
    client = signed_in(portal_world.primary.contact)
    org, other = portal_world.organization.pk, portal_world.other_organization.pk
    missing = 999_999
    pairs = [
        (f"/members/{other}/", f"/members/{missing}/"),
        (f"/members/{other}/invoices/", f"/members/{missing}/invoices/"),
        (f"/members/{other}/statement/", f"/members/{missing}/statement/"),
        (f"/members/{other}/colleagues/", f"/members/{missing}/colleagues/"),
        (f"/members/{other}/payment-method/", f"/members/{missing}/payment-method/"),
        (
            f"/members/{org}/invoices/{portal_world.other_invoice.pk}/pdf/",
            f"/members/{org}/invoices/{missing}/pdf/",
        ),
        (
            f"/members/{other}/invoices/{portal_world.other_invoice.pk}/pdf/",
            f"/members/{missing}/invoices/{portal_world.other_invoice.pk}/pdf/",
        ),
        (
            f"/members/{org}/payments/{portal_world.other_payment.pk}/receipt/",
            f"/members/{org}/payments/{missing}/receipt/",
        ),
    ]
    for theirs, nobodys in pairs:
        first, second = client.get(theirs), client.get(nobodys)
        assert first.status_code == second.status_code == 404, theirs
        assert first.content == second.content, theirs
    for action in ("remove", "make-primary"):
        before = database_state()
        theirs = client.post(f"/members/{org}/colleagues/{portal_world.other.pk}/{action}/")
        nobodys = client.post(f"/members/{org}/colleagues/{missing}/{action}/")
        assert theirs.status_code == nobodys.status_code == 404
        assert theirs.content == nobodys.content
        assert not changed_tables(before, database_state())


def test_it_answers_404_for_a_pending_link_of_another_organization_or_in_the_wrong_state(
    portal_world,
):
    from crm.models import Affiliation
    from tests.factories import AffiliationFactory

    theirs = AffiliationFactory(
        organization=portal_world.other_organization,
        status=Affiliation.Status.PENDING,
        is_primary=False,
    )
    client = signed_in(portal_world.primary.contact)
    org, missing = portal_world.organization.pk, 999_999
    calls = [
        (f"/members/{org}/colleagues/{theirs.pk}/confirm/", "confirm"),
        (f"/members/{org}/colleagues/{theirs.pk}/decline/", "decline"),
        # a confirmed colleague is no pending link, and a pending link no colleague
        (f"/members/{org}/colleagues/{portal_world.plain.pk}/confirm/", "confirm"),
        (f"/members/{org}/colleagues/{portal_world.pending.pk}/remove/", "remove"),
        (f"/members/{org}/colleagues/{portal_world.pending.pk}/make-primary/", "make-primary"),
    ]
    for path, action in calls:
        before = database_state()
        response = client.post(path)
        nobodys = client.post(f"/members/{org}/colleagues/{missing}/{action}/")
        assert response.status_code == nobodys.status_code == 404, path
        assert response.content == nobodys.content, path
        assert not changed_tables(before, database_state()), path


def test_it_refuses_a_draft_invoice_as_missing(portal_world):
    from billing.services import invoice_create_for_membership

    draft = invoice_create_for_membership(membership=portal_world.membership, fresh=True)
    assert draft.status == "draft"
    client = signed_in(portal_world.primary.contact)
    response = client.get(f"/members/{portal_world.organization.pk}/invoices/{draft.pk}/pdf/")
    assert response.status_code == 404


def _call(client, route: Route, world: PortalWorld):  # type: ignore[no-untyped-def]
    path = _fill(route.path, world)
    if route.method == "GET":
        return client.get(path)
    return client.post(path, {name: _fill(value, world) for name, value in route.data})
