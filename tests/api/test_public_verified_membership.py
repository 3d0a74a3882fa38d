"""Verified membership only (issue 20, item 4): over HTTP, the public endpoints never give the
member price, a members-only ticket or an invoice to an organization for a name typed or an
email on file; the confirmation link mailed to the address on file does, once and in time; a
signed-in portal contact does at once; the answers do not tell a member apart from a
non-member; and a pledge naming an organization on record only proposes a pending link."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import Affiliation, Membership
from crm.selectors import PORTAL_CONTACT_SESSION_KEY
from crm.services import affiliation_confirm, affiliation_reject
from events.models import Registration
from events.services import holds_expire
from tests.api.public_helpers import invest_body
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    EventFactory,
    InvestorLevelFactory,
    MembershipFactory,
    OrganizationFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db

EMAIL = "dana@frontst.example"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    from django.core.cache import cache

    cache.clear()


_on_commit = None


@pytest.fixture(autouse=True)
def _mail_after_commit(django_capture_on_commit_callbacks):
    # Mail goes out after the commit: each request's callbacks run when it answers.
    global _on_commit
    _on_commit = django_capture_on_commit_callbacks


def committed(call, *args, **kwargs):
    with _on_commit(execute=True):
        return call(*args, **kwargs)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def gala():
    event = EventFactory(slug="annual-gala", title="Annual Gala")
    TicketTypeFactory(
        event=event,
        code="general",
        member_price=Decimal("75.00"),
        non_member_price=Decimal("95.00"),
        capacity=10,
    )
    TicketTypeFactory(
        event=event,
        code="member-table",
        members_only=True,
        member_price=Decimal("60.00"),
        non_member_price=Decimal("60.00"),
        capacity=10,
    )
    return event


@pytest.fixture
def member():
    """A member organization, not listed in the directory, with Dana on its record."""
    organization = OrganizationFactory(name="Front Street Bakery", directory_listed=False)
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    dana = ContactFactory(first_name="Dana", last_name="Ortiz", email=EMAIL)
    AffiliationFactory(organization=organization, contact=dana, is_primary=True)
    return organization


def register(api, **overrides):
    data = {
        "ticket_type": "general",
        "quantity": 2,
        "contact": {"first_name": "Dana", "last_name": "Ortiz", "email": EMAIL},
        "organization": "Front Street Bakery",
    }
    data.update(overrides)
    return committed(
        api.post, "/api/v1/public/events/annual-gala/registrations/", data, format="json"
    )


def confirm(url: str, client: Client | None = None):
    return committed((client or Client()).post, url)


def link_in_mail() -> str:
    message = next(m for m in mail.outbox if "Confirm your membership" in m.subject)
    found = re.search(r"https?://\S+/registrations/confirm-membership/\S+/", message.body)
    assert found, message.body
    return urlparse(found.group(0)).path


# --- A name or an email grants nothing --------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # the member's name typed
        {"organization": ""},  # the email on file alone
        {"organization": "", "contact": {"first_name": "X", "last_name": "Y", "email": EMAIL}},
    ],
)
def test_a_typed_member_name_or_an_email_on_file_pays_the_non_member_price(
    api, gala, member, overrides
):
    response = register(api, **overrides)

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["price_each"], data["member_pricing"]) == (
        "pending_payment",
        "95.00",
        False,
    )
    registration = Registration.objects.get()
    assert registration.organization is None or registration.organization != member
    invoice = registration.invoice_lines.get().invoice
    assert invoice.organization != member  # nothing addressed to the business


@pytest.mark.parametrize(
    "overrides",
    [
        {"payment": "invoice"},
        {"ticket_type": "member-table"},
        {"member": True},
    ],
)
def test_a_claim_is_held_for_the_link_and_grants_nothing_until_then(api, gala, member, overrides):
    response = register(api, **overrides)

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "pending_verification"
    assert data["member_pricing"] is False
    assert data["pay_url"] is None and data["pay_by"] is not None
    assert "confirm" in data["next_step"]
    registration = Registration.objects.get()
    assert registration.organization is None
    assert not registration.invoice_lines.exists()  # nobody invoiced yet
    assert len([m for m in mail.outbox if "Confirm your membership" in m.subject]) == 1


def test_a_stranger_claiming_with_a_members_name_gets_no_link(api, gala, member):
    response = register(
        api,
        payment="invoice",
        contact={"first_name": "Eve", "last_name": "Stranger", "email": "eve@else.example"},
    )

    assert response.json()["status"] == "pending_verification"
    sent = [m for m in mail.outbox if m.to == ["eve@else.example"]]
    assert len(sent) == 1 and "confirm-membership" not in sent[0].body
    assert "not on file" in sent[0].body
    assert not [m for m in mail.outbox if m.to == [EMAIL]]


def test_a_pending_link_from_a_public_form_grants_nothing(api, gala, member):
    eve = ContactFactory(email="eve@else.example")
    Affiliation.objects.create(organization=member, contact=eve, status=Affiliation.Status.PENDING)

    register(
        api,
        member=True,
        contact={"first_name": "Eve", "last_name": "S", "email": "eve@else.example"},
    )

    assert "confirm-membership" not in mail.outbox[-1].body


# --- The confirmation link --------------------------------------------------------------------


def test_the_link_grants_the_member_price_and_invoices_the_organization(api, gala, member):
    reference = register(api, payment="invoice").json()["reference"]
    page = Client()
    url = link_in_mail()

    assert page.get(url).status_code == 200  # opening it (a mail scanner) changes nothing
    assert Registration.objects.get().status == Registration.Status.PENDING_VERIFICATION
    response = confirm(url, page)

    assert response.status_code == 303  # see other: a reload does not post again
    assert response["Location"] == f"/registrations/{reference}/"
    data = api.get(f"/api/v1/public/registrations/{reference}/").json()
    assert (data["status"], data["price_each"], data["member_pricing"], data["payment"]) == (
        "pending_payment",
        "75.00",
        True,
        "invoice",
    )
    assert data["organization"] == "Front Street Bakery"
    invoice = Registration.objects.get().invoice_lines.get().invoice
    assert invoice.organization == member and invoice.total == Decimal("150.00")


def test_the_link_admits_to_a_members_only_ticket(api, gala, member):
    register(api, ticket_type="member-table", quantity=1)
    confirm(link_in_mail())

    registration = Registration.objects.get()
    assert registration.status == Registration.Status.PENDING_PAYMENT
    assert registration.member_pricing and registration.organization == member


def test_a_reused_link_is_refused(api, gala, member):
    register(api, member=True)
    url = link_in_mail()
    confirm(url)

    again = confirm(url)

    assert again.status_code == 409
    assert b"already been used" in again.content
    assert Registration.objects.get().invoice_lines.count() == 1


def test_a_tampered_link_is_refused(api, gala, member):
    register(api, member=True)
    url = link_in_mail()
    token = url.rstrip("/").rsplit("/", 1)[1]
    value, _, signature = token.rpartition(":")
    forged = signing.TimestampSigner(salt="another").sign_object({"r": 1, "c": 1, "o": 1})

    for bad in (f"{value}:{signature[:-2]}xx", forged, "garbage"):
        response = confirm(f"/registrations/confirm-membership/{bad}/")
        assert response.status_code == 409
        assert b"not valid" in response.content
    assert Registration.objects.get().status == Registration.Status.PENDING_VERIFICATION


def test_an_expired_link_is_refused_and_the_seats_released(api, gala, member, time_machine):
    register(api, member=True)
    url = link_in_mail()
    time_machine.move_to(timezone.now() + timedelta(minutes=61))

    response = confirm(url)

    assert response.status_code == 409
    assert b"expired" in response.content
    assert [r.status for r in committed(holds_expire)] == [Registration.Status.CANCELLED]
    assert "not confirmed in time" in mail.outbox[-1].body


def test_a_link_is_refused_once_the_membership_or_the_link_is_gone(api, gala, member):
    register(api, member=True)
    url = link_in_mail()
    Membership.objects.filter(organization=member).update(status=Membership.Status.LAPSED)

    assert confirm(url).status_code == 409
    assert Registration.objects.get().status == Registration.Status.PENDING_VERIFICATION


# --- The portal's signed-in contact -----------------------------------------------------------


def test_a_signed_in_portal_contact_gets_member_terms_at_once(gala, member):
    api = APIClient(enforce_csrf_checks=False)
    session = api.session
    session[PORTAL_CONTACT_SESSION_KEY] = member.affiliations.get().contact_id
    session.save()

    data = register(api, payment="invoice").json()

    assert (data["status"], data["price_each"], data["member_pricing"]) == (
        "pending_payment",
        "75.00",
        True,
    )


def test_the_portal_session_needs_the_csrf_token(gala, member):
    api = APIClient(enforce_csrf_checks=True)
    session = api.session
    session[PORTAL_CONTACT_SESSION_KEY] = member.affiliations.get().contact_id
    session.save()

    data = register(api, payment="invoice").json()

    assert data["status"] == "pending_verification"  # as anyone: another site's form gets nothing


# --- Answers that reveal nothing --------------------------------------------------------------


def _ids_out(content: bytes, reference: str, typed_name: str) -> bytes:
    """The answer without its ids (the reference, an invoice number) and the name as typed."""
    content = content.replace(reference.encode(), b"REF").replace(typed_name.encode(), b"ORG")
    return re.sub(rb"\d{4}-\d{5}", b"NUMBER", content)


@pytest.mark.parametrize(
    "overrides",
    [{}, {"payment": "invoice"}, {"ticket_type": "member-table", "quantity": 1}, {"member": True}],
)
def test_the_bytes_for_an_unlisted_member_and_a_non_member_differ_only_by_ids(
    api, gala, time_machine, overrides
):
    time_machine.move_to(timezone.now(), tick=False)
    hidden = OrganizationFactory(name="Quiet Member Co", directory_listed=False)
    MembershipFactory(organization=hidden, status=Membership.Status.ACTIVE)
    OrganizationFactory(name="Plain Other Co", directory_listed=False)
    bodies = []
    for i, name in enumerate(("Quiet Member Co", "Plain Other Co")):
        person = {"first_name": "Pat", "last_name": "Lee", "email": f"pat{i}@else.example"}
        response = register(api, organization=name, contact=person, **overrides)
        reference = response.json()["reference"]
        detail = api.get(f"/api/v1/public/registrations/{reference}/")
        bodies += [
            _ids_out(response.content, reference, name),
            _ids_out(detail.content, reference, name),
        ]
    assert bodies[0] == bodies[2] and bodies[1] == bodies[3]
    directory = api.get("/api/v1/public/directory/?q=quiet").json()
    assert directory["count"] == 0


# --- Pending affiliations from a pledge -------------------------------------------------------


def test_a_public_pledge_naming_a_member_creates_only_a_pending_link(api, member):
    InvestorLevelFactory(code="leadership", minimum_annual_amount=Decimal("5000.00"))
    body = invest_body("leadership")
    body["organization"]["name"] = "Front Street Bakery"
    body["contact"]["email"] = "stranger@else.example"

    response = api.post("/api/v1/public/invest/", body, format="json")

    assert response.status_code == 201, response.json()
    link = Affiliation.objects.get(contact__email="stranger@else.example")
    assert link.organization == member
    assert link.status == Affiliation.Status.PENDING and link.roles == []
    # The pending link grants nothing: no member price for the stranger.
    gala = EventFactory(slug="annual-gala")
    TicketTypeFactory(event=gala, code="general", non_member_price=Decimal("95.00"))
    data = register(
        api, member=True, contact={"first_name": "S", "last_name": "T", "email": link.contact.email}
    ).json()
    assert data["member_pricing"] is False
    assert "confirm-membership" not in mail.outbox[-1].body


def test_staff_or_the_primary_representative_confirm_or_reject_a_pending_link(member):
    stranger = ContactFactory()
    other = ContactFactory()
    link = Affiliation.objects.create(
        organization=member, contact=stranger, status=Affiliation.Status.PENDING
    )
    second = Affiliation.objects.create(
        organization=member, contact=other, status=Affiliation.Status.PENDING
    )
    primary = member.affiliations.get(is_primary=True).contact

    from core.exceptions import ServiceError

    with pytest.raises(ServiceError, match="primary representative"):
        affiliation_confirm(affiliation=link, by_contact=other)
    affiliation_confirm(affiliation=link, by_contact=primary)
    link.refresh_from_db()
    assert link.status == Affiliation.Status.CONFIRMED
    with pytest.raises(ServiceError, match="not pending"):
        affiliation_reject(affiliation=link)
    affiliation_reject(affiliation=second, reason="not one of ours")
    assert not Affiliation.objects.filter(pk=second.pk).exists()
    assert second.history.first().history_change_reason.startswith("Affiliation rejected by staff")
