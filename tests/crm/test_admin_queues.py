from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from billing.models import Invoice
from billing.services import invoice_create_for_membership, invoice_issue
from crm.models import Membership, Pledge
from crm.services import pledge_create
from tests.billing.stripe_payloads import committed
from tests.factories import (
    AffiliationFactory,
    InvestorLevelFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
)

pytestmark = pytest.mark.django_db
QUEUE = "/admin/crm/application/"
PLEDGES = "/admin/crm/pledgetoconfirm/"


def application(name, *, status=Membership.Status.APPLIED, note=""):
    organization = OrganizationFactory(name=name)
    AffiliationFactory(organization=organization, contact__email=f"owner@{name.lower()}.example")
    return MembershipFactory(
        organization=organization,
        status=status,
        source=Membership.Source.WEBSITE,
        needs_attention=bool(note),
        match_note=note,
    )


def test_it_lists_waiting_applications_with_their_duplicate_hints(client_for):
    application("Newco", note="Linked to an existing organization: same name as “Newco Inc”.")
    application("Paidco", status=Membership.Status.ACTIVE)

    response = client_for("Membership").get(QUEUE)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Newco" in text and "Paidco" not in text
    assert "Linked to an existing organization" in text
    assert "not issued yet" in text


def test_it_approves_an_application_and_tells_the_applicant(
    client_for, django_capture_on_commit_callbacks
):
    membership = application("Newco")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("Membership").post(
            QUEUE, {"action": "approve", "_selected_action": [membership.pk]}
        )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED
    invoice = Invoice.objects.get()
    assert sorted(m.subject for m in mail.outbox) == [
        f"Invoice {invoice.number} from the MetroHartford Alliance",
        "Welcome to the MetroHartford Alliance: your application is approved",
    ]
    assert all(m.to == ["owner@newco.example"] for m in mail.outbox)
    staff = client_for("Membership")
    assert "Newco" not in staff.get(QUEUE).content.decode()  # decided: off the queue
    awaiting_payment = staff.get(QUEUE, {"stage": "payment"}).content.decode()
    assert f"{invoice.number}: open" in awaiting_payment


def test_it_rejects_an_application_with_a_reason_the_applicant_reads(
    client_for, django_capture_on_commit_callbacks
):
    membership = application("Newco")
    client = client_for("Membership")

    asked = client.post(QUEUE, {"action": "reject", "_selected_action": [membership.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            QUEUE,
            {
                "action": "reject",
                "_selected_action": [membership.pk],
                "apply": "1",
                "reason": "Outside our three counties.",
            },
        )

    assert asked.status_code == 200 and "reason" in asked.content.decode()
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REJECTED
    [message] = mail.outbox
    assert "Outside our three counties." in message.body


def test_it_lets_read_only_staff_see_the_queue_but_not_act(client_for):
    membership = application("Newco")
    client = client_for("Read-only")

    assert client.get(QUEUE).status_code == 200
    client.post(QUEUE, {"action": "approve", "_selected_action": [membership.pk]})

    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPLIED


def test_it_lists_pledges_to_confirm_with_their_schedules_and_confirms_them(
    client_for, django_capture_on_commit_callbacks
):
    pledge = pledge_create(
        organization=OrganizationFactory(name="Capitol Group"),
        level=InvestorLevelFactory(),
        annual_amount=Decimal("10000.00"),
        start_date=date(2027, 1, 1),
        term_years=2,
        installments_per_year=2,
    )
    client = client_for("Membership")

    listing = client.get(PLEDGES).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PLEDGES, {"action": "confirm", "_selected_action": [pledge.pk]})

    assert "Capitol Group" in listing
    assert "4 installments of about $5,000.00, 2027-01-01 to 2028-07-01" in listing
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED
    assert "Capitol Group" not in client.get(PLEDGES).content.decode()


def test_it_shows_an_application_with_its_match_and_lets_staff_clear_the_flag(client_for):
    membership = application("Newco", note="The applicant (a@b.example) is an existing contact.")
    client = client_for("Membership")
    url = f"{QUEUE}{membership.pk}/change/"

    page = client.get(url)
    saved = client.post(
        url,
        {
            "needs_attention": "",
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
            "plan_changes-TOTAL_FORMS": "0",
            "plan_changes-INITIAL_FORMS": "0",
        },
    )

    assert page.status_code == 200
    assert "is an existing contact" in page.content.decode()
    assert saved.status_code == 302
    membership.refresh_from_db()
    assert not membership.needs_attention


def _review_application(name="Riverside Dental", *, employees=12):
    """An application as the website makes it: invoiced at once, on a plan priced by size."""
    plan = PlanFactory(name="Small Business", flat_amount="600.00", proration="none")
    organization = OrganizationFactory(
        name=name,
        employees=employees,
        phone="860-555-0142",
        address_line1="12 Main St.",
        city="Hartford",
        postal_code="06103",
    )
    AffiliationFactory(
        organization=organization,
        is_primary=True,
        contact__first_name="Rosa",
        contact__last_name="Diaz",
        contact__email=f"rosa@{name.split()[0].lower()}.example",
        contact__phone="860-555-0100",
    )
    membership = MembershipFactory(
        organization=organization,
        plan=plan,
        status=Membership.Status.APPLIED,
        source=Membership.Source.WEBSITE,
        start_date=date(2026, 12, 1),
    )
    with committed():
        invoice_issue(invoice=invoice_create_for_membership(membership=membership))
    return membership


def test_the_application_page_shows_the_applicant_the_quote_and_the_invoice(client_for):
    membership = _review_application()

    page = client_for("Membership").get(f"{QUEUE}{membership.pk}/change/").content.decode()

    review = page[page.index('id="application-review"') :]
    for shown in (
        "Riverside Dental",
        "Rosa Diaz",
        "rosa@riverside.example",
        "860-555-0100",
        "860-555-0142",
        "12 Main St., Hartford, CT 06103",
        "Small Business, from 2026-12-01",
        "$600.00",  # the quote and the invoice
        "amount due $600.00",
        ">Approve<",
        'name="reason"',
    ):
        assert shown.replace(">Approve<", 'value="Approve"') in review, shown
    assert ">12<" in review  # the employees


def test_it_approves_from_the_application_page_and_the_application_leaves_the_queue(
    client_for, django_capture_on_commit_callbacks
):
    membership = _review_application()
    client = client_for("Membership")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{QUEUE}{membership.pk}/approve/", follow=True)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED
    assert "Riverside Dental: application approved." in response.content.decode()
    assert response.redirect_chain[-1][0] == QUEUE
    assert "Riverside Dental" not in client.get(QUEUE).content.decode()
    assert "Welcome to the MetroHartford Alliance" in [m.subject for m in mail.outbox][-1]


def test_it_rejects_from_the_application_page_only_with_a_reason(
    client_for, django_capture_on_commit_callbacks
):
    membership = _review_application()
    client = client_for("Membership")
    reject = f"{QUEUE}{membership.pk}/reject/"

    refused = client.post(reject, {"reason": "  "}, follow=True)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPLIED
    assert "Give the reason for the rejection" in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reject, {"reason": "Outside our three counties."}, follow=True)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REJECTED
    assert membership.status_reason == "Outside our three counties."
    assert Invoice.objects.get().status == Invoice.Status.VOID
    assert "Riverside Dental" not in client.get(QUEUE).content.decode()


def test_the_page_offers_no_decision_to_read_only_staff_nor_takes_one(client_for):
    membership = _review_application()
    client = client_for("Read-only")

    page = client.get(f"{QUEUE}{membership.pk}/change/").content.decode()
    posted = client.post(f"{QUEUE}{membership.pk}/approve/")

    assert "Rosa Diaz" in page and 'value="Approve"' not in page
    assert posted.status_code == 403
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPLIED


def test_it_lists_the_newest_application_first(client_for):
    older = _review_application("Older Co")
    _review_application("Newer Co")
    Membership.objects.filter(pk=older.pk).update(created=older.created.replace(year=2025))

    listing = client_for("Membership").get(QUEUE).content.decode()

    assert listing.index("Newer Co") < listing.index("Older Co")
