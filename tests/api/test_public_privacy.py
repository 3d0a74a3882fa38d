"""What the public API and pages give away: never a contact's email, phone or name (only what
the caller typed), and references that cannot be guessed, enumerated or told apart from
unknown ones."""

import base64
import secrets
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.models import new_reference
from crm.models import Membership
from events.services import registration_create_for_person
from tests.api.public_helpers import INVEST, JOIN, committing_client, invest_body, join_body
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    EventFactory,
    InvestorLevelFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
    PledgeFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db

PUBLIC = "/api/v1/public"

# People the chamber has on record: the visitor below knows at most their email addresses.
ON_RECORD = [
    ("Quillon", "Zephyrine", "quillon@harborlights.example", "860-555-0191"),
    ("Marisol", "Okonkwo-Vance", "marisol@harborlights.example", "860-555-0192"),
    ("Thaddeus", "Brightwater", "thaddeus@capitolpledge.example", "860-555-0193"),
    ("Ysolde", "Farraday", "ysolde@elsewhere.example", "860-555-0194"),
]
ORGANIZATION_PHONE = "860-555-0177"
SOMEONE = {
    "ticket_type": "general",
    "contact": {"first_name": "A", "last_name": "B", "email": "a@b.ex"},
}


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    return committing_client(django_capture_on_commit_callbacks)


@pytest.fixture
def chamber():
    """A member organization listed in the directory with its people, an investor with a
    pledge, and an event someone registered for."""
    contacts = [
        ContactFactory(first_name=first, last_name=last, email=email, phone=phone)
        for first, last, email, phone in ON_RECORD
    ]
    member = OrganizationFactory(
        name="Harbor Lights Foundry",
        website="https://harborlights.example",
        phone=ORGANIZATION_PHONE,
        directory_listed=True,
        directory_text="Castings since 1911.",
    )
    MembershipFactory(
        organization=member,
        plan=PlanFactory(code="business", offered_publicly=True),
        status=Membership.Status.ACTIVE,
        paid_through=date.today() + timedelta(days=200),
    )
    AffiliationFactory(organization=member, contact=contacts[0], is_primary=True)
    AffiliationFactory(organization=member, contact=contacts[1], is_billing=True, is_primary=False)
    level = InvestorLevelFactory(code="leadership", minimum_annual_amount=Decimal("5000.00"))
    investor = OrganizationFactory(name="Capitol Pledge Partners")
    AffiliationFactory(organization=investor, contact=contacts[2])
    PledgeFactory(organization=investor, level=level, contact=contacts[2])
    event = EventFactory(slug="gala", title="Gala")
    TicketTypeFactory(
        event=event,
        code="general",
        member_price=Decimal("60.00"),
        non_member_price=Decimal("95.00"),
        capacity=50,
    )
    registration_create_for_person(
        event=event,
        ticket_type=event.ticket_types.get(),
        first_name="Ysolde",
        last_name="Farraday",
        email=ON_RECORD[3][2],
        organization_name="Harbor Lights Foundry",
    )
    return {"member": member, "event": event}


def secrets_on_record() -> list[str]:
    words = [ORGANIZATION_PHONE, ORGANIZATION_PHONE.replace("-", "")]
    for first, last, email, phone in ON_RECORD:
        words += [first, last, email, email.split("@")[0], phone, phone.replace("-", "")]
    return [word.lower() for word in words]


def leaks(response) -> list[str]:
    body = response.content.decode().lower()
    return [word for word in secrets_on_record() if word in body]


def test_no_public_answer_or_page_carries_the_details_of_people_on_record(api, chamber):
    seen = {}

    def visit(label, response, status=200):
        assert response.status_code == status, (label, response.content[:500])
        seen[label] = response

    # What anyone can read.
    visit("plans", api.get(f"{PUBLIC}/membership-plans/"))
    visit("quote", api.get(f"{PUBLIC}/membership-plans/business/quote/?employees=40"))
    visit("levels", api.get(f"{PUBLIC}/investor-levels/"))
    visit("events", api.get(f"{PUBLIC}/events/"))
    visit("event", api.get(f"{PUBLIC}/events/gala/"))
    visit("directory", api.get(f"{PUBLIC}/directory/"))
    visit("directory search", api.get(f"{PUBLIC}/directory/?q=harbor"))
    visit("directory by a person", api.get(f"{PUBLIC}/directory/?q=Zephyrine"))
    assert "Harbor Lights Foundry" in seen["directory search"].content.decode()

    # Joining with someone's email: linked to their record, which the answer does not show.
    joined = api.post(
        JOIN,
        join_body(
            "business",
            contact={**join_body("business")["contact"], "email": ON_RECORD[0][2]},
        ),
        format="json",
    )
    visit("join", joined, 201)
    visit("join status", api.get(f"{JOIN}{joined.json()['reference']}/"))
    member_again = join_body(
        "business",
        organization={**join_body("business")["organization"], "name": "harbor lights foundry"},
        contact={**join_body("business")["contact"], "email": "new@visitor.example"},
    )
    visit("join of a member", api.post(JOIN, member_again, format="json"), 409)

    # Investing with an investor's email.
    invested = api.post(
        INVEST,
        invest_body(
            "leadership",
            contact={**invest_body("leadership")["contact"], "email": ON_RECORD[2][2]},
        ),
        format="json",
    )
    visit("invest", invested, 201)
    visit("invest status", api.get(f"{INVEST}{invested.json()['reference']}/"))

    # Registering with the email of a member's billing contact, naming no organization: an
    # email on file grants nothing without its confirmation link (docs/public-api.md), and
    # neither their name nor their employer is shown.
    registered = api.post(
        f"{PUBLIC}/events/gala/registrations/",
        {
            "ticket_type": "general",
            "quantity": 1,
            "contact": {"first_name": "Vis", "last_name": "Itor", "email": ON_RECORD[1][2]},
        },
        format="json",
    )
    visit("registration", registered, 201)
    assert registered.json()["price_each"] == "95.00"
    assert registered.json()["member_pricing"] is False
    assert registered.json()["name"] == "Vis Itor"
    assert registered.json()["organization"] == ""
    reference = registered.json()["reference"]
    visit("registration status", api.get(f"{PUBLIC}/registrations/{reference}/"))
    named = api.post(
        f"{PUBLIC}/events/gala/registrations/",
        {
            "ticket_type": "general",
            "quantity": 2,
            "organization": "Harbor Lights Foundry, LLC",
            "contact": {"first_name": "Ann", "last_name": "Other", "email": "ann@other.example"},
        },
        format="json",
    )
    visit("registration naming a member", named, 201)
    # As typed: the record's spelling would tell a visitor the organization is known.
    assert named.json()["organization"] == "Harbor Lights Foundry, LLC"
    visit("cancel", api.post(f"{PUBLIC}/registrations/{reference}/cancel/"))

    # The chamber's own pages.
    visit("directory page", api.get("/directory/"))
    visit("events page", api.get("/events/"))
    visit("event page", api.get("/events/gala/"))
    visit("join page", api.get(f"/join/{joined.json()['reference']}/"))
    visit("invest page", api.get(f"/invest/{invested.json()['reference']}/"))
    visit("registration page", api.get(f"/registrations/{reference}/"))

    found = {label: leaks(response) for label, response in seen.items() if leaks(response)}
    assert found == {}


# --- References --------------------------------------------------------------------------


def _bits(reference: str) -> int:
    raw = base64.urlsafe_b64decode(reference + "=" * (-len(reference) % 4))
    return len(raw) * 8


def test_it_makes_references_of_at_least_128_random_bits():
    references = {new_reference() for _ in range(1000)}

    assert len(references) == 1000
    assert min(_bits(reference) for reference in references) >= 128


def test_it_hands_out_random_references_never_ids(api, chamber):
    joined = api.post(JOIN, join_body("business"), format="json").json()
    invested = api.post(INVEST, invest_body("leadership"), format="json").json()
    registered = api.post(
        f"{PUBLIC}/events/gala/registrations/",
        {
            "ticket_type": "general",
            "contact": {"first_name": "A", "last_name": "B", "email": "a@b.ex"},
        },
        format="json",
    ).json()

    for answer in (joined, invested, registered):
        assert _bits(answer["reference"]) >= 128
        assert not answer["reference"].isdigit()
        assert "id" not in answer and "pk" not in answer


def test_it_answers_an_unknown_and_someone_elses_reference_with_the_same_404(api, chamber):
    joined = api.post(JOIN, join_body("business"), format="json").json()["reference"]
    invested = api.post(INVEST, invest_body("leadership"), format="json").json()["reference"]
    registered = api.post(
        f"{PUBLIC}/events/gala/registrations/",
        {
            "ticket_type": "general",
            "contact": {"first_name": "A", "last_name": "B", "email": "a@b.ex"},
        },
        format="json",
    ).json()["reference"]
    lookups = {
        "join": (f"{JOIN}{{}}/", joined),
        "invest": (f"{INVEST}{{}}/", invested),
        "registration": (f"{PUBLIC}/registrations/{{}}/", registered),
    }
    unknown = secrets.token_urlsafe(16)

    for kind, (url, own) in lookups.items():
        assert api.get(url.format(own)).status_code == 200
        expected = api.get(url.format(unknown))
        assert expected.status_code == 404
        others = [ref for other, (_, ref) in lookups.items() if other != kind]
        # Another kind's reference, a prefix or a changed case of a real one, an id, junk.
        for probe in [*others, own[:-1], own.swapcase(), "1", "0" * 200, "%27%20or%201=1"]:
            answer = api.get(url.format(probe))
            assert (answer.status_code, answer.json()) == (404, expected.json()), (kind, probe)
    cancel = api.post(f"{PUBLIC}/registrations/{joined}/cancel/")
    assert (cancel.status_code, cancel.json()) == (404, {"errors": {"detail": ["Not found."]}})
