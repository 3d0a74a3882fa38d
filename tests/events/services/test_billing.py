"""Paid registrations through billing: the invoice, Stripe's pay link, the webhook's payment
confirming, refunds on cancellation, voids on expiry, and the registrants' mail."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing import services as billing
from billing.gateways import FakeGateway, use_gateway
from billing.models import Invoice, InvoiceLine, Refund
from core.exceptions import ServiceError
from crm.models import Membership
from events.models import Registration
from events.selectors import registration_invoice
from events.services import (
    event_cancel,
    holds_expire,
    registration_cancel,
    registration_create,
)
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def fake_stripe():
    with use_gateway(FakeGateway()) as gateway:
        yield gateway


@pytest.fixture
def ticket():
    return TicketTypeFactory(
        event__title="Annual Meeting",
        event__gl_account="4310",
        member_price=Decimal("60.00"),
        non_member_price=Decimal("90.00"),
        capacity=2,
    )


def register(ticket, *, quantity=1, email=None, organization_name="", payment="now", contact=None):
    return registration_create(
        event=ticket.event,
        ticket_type=ticket,
        contact=contact or ContactFactory(**({"email": email} if email else {})),
        quantity=quantity,
        organization_name=organization_name,
        payment=payment,
    )


def pay_online(fake_stripe, registration):
    invoice = registration_invoice(registration)
    fake_stripe.pay(invoice.stripe_invoice_id)
    billing.invoice_sync_from_stripe(invoice=invoice)  # what the invoice.paid webhook does
    registration.refresh_from_db()
    return invoice


def test_it_bills_a_paid_registration_with_a_registration_line_and_a_stripe_pay_link(
    fake_stripe, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(
            ticket, quantity=2, email="dana@frontstreet.example", organization_name="Front St"
        )

    invoice = registration_invoice(registration)
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.kind == Invoice.Kind.EVENT
    assert invoice.total == Decimal("180.00")
    assert invoice.due_date == timezone.localdate()
    assert invoice.pay_url and invoice.pay_url.startswith("https://")
    assert invoice.organization.name == "Front St"
    assert invoice.contact == registration.contact
    line = invoice.lines.get()
    assert (line.kind, line.registration, line.gl_account) == (
        InvoiceLine.Kind.REGISTRATION,
        registration,
        "4310",
    )
    assert line.description.startswith("Annual Meeting")
    [message] = mail.outbox
    assert message.to == ["dana@frontstreet.example"]
    assert invoice.pay_url in message.body
    assert "Your seats are held until" in message.body


def test_it_confirms_the_registration_when_stripe_says_the_invoice_is_paid(
    fake_stripe, ticket, django_capture_on_commit_callbacks
):
    registration = register(ticket)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        invoice = pay_online(fake_stripe, registration)

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert registration.status == Status.CONFIRMED
    assert registration.hold_expires_at is None
    subjects = sorted(m.subject for m in mail.outbox)
    assert "You are confirmed for Annual Meeting" in subjects


def test_it_holds_seats_for_days_and_gives_instructions_when_stripe_is_off(
    ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(ticket, email="sam@example.org")

    assert registration.status == Status.PENDING_PAYMENT
    assert registration.hold_expires_at > timezone.now() + timedelta(days=1)  # days, not minutes
    invoice = registration_invoice(registration)
    assert invoice.pay_url is None
    assert invoice.number in mail.outbox[0].body  # the instructions quote the invoice number

    billing.payment_record_offline(
        invoice=invoice,
        amount=invoice.total,
        method="check",
        check_number="1042",
        received_on=date.today(),
    )

    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_it_invoices_a_member_organization_through_its_billing_contact(
    fake_stripe, ticket, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(name="Capitol Insurance")
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)
    AffiliationFactory(
        organization=organization, contact__email="ap@capitol.example", is_billing=True
    )
    employee = AffiliationFactory(
        organization=organization, is_primary=False, contact__email="lee@capitol.example"
    ).contact

    with django_capture_on_commit_callbacks(execute=True):
        registration = register(ticket, contact=employee, payment="invoice")

    assert registration.price_each == Decimal("60.00")
    assert registration.hold_expires_at > timezone.now() + timedelta(days=1)  # days, not minutes
    invoice = registration_invoice(registration)
    assert invoice.organization == organization
    assert invoice.contact.email == "ap@capitol.example"
    assert sorted(m.to[0] for m in mail.outbox) == ["ap@capitol.example", "lee@capitol.example"]


def test_it_invoices_no_organization_for_someone_not_on_its_record(ticket):
    organization = OrganizationFactory(name="Capitol Insurance")
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)

    with pytest.raises(ServiceError, match="Only people on Capitol Insurance's record"):
        register(ticket, organization_name="Capitol Insurance", payment="invoice")

    assert not Registration.objects.exists()
    assert not Invoice.objects.exists()


def test_it_refunds_in_full_when_a_paid_registration_is_cancelled(
    fake_stripe, ticket, django_capture_on_commit_callbacks
):
    registration = register(ticket, quantity=2)
    pay_online(fake_stripe, registration)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=registration, reason="Cannot attend")

    refund = Refund.objects.get()
    assert refund.amount == Decimal("180.00")
    assert registration.status == Status.CANCELLED
    [message] = mail.outbox
    assert "refunding $180.00" in message.body


def test_it_refunds_in_part_when_staff_say_so(fake_stripe, ticket):
    registration = register(ticket, quantity=2)
    pay_online(fake_stripe, registration)

    registration_cancel(
        registration=registration, reason="Late cancellation fee", refund_amount=Decimal("150")
    )

    assert Refund.objects.get().amount == Decimal("150.00")
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED


def test_it_cancels_without_a_refund_when_staff_say_so(fake_stripe, ticket):
    registration = register(ticket)
    pay_online(fake_stripe, registration)

    registration_cancel(registration=registration, reason="No-show policy", refund=False)

    assert not Refund.objects.exists()


def test_it_cancels_the_registration_and_promotes_the_waitlist_on_a_full_refund_in_billing(
    fake_stripe, ticket, django_capture_on_commit_callbacks
):
    registration = register(ticket, quantity=2)
    invoice = pay_online(fake_stripe, registration)
    waiting = register(ticket)

    with django_capture_on_commit_callbacks(execute=True):
        billing.refund_create(payment=invoice.payments.get(), reason="Asked by phone")

    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert waiting.status == Status.PENDING_PAYMENT
    assert registration_invoice(waiting).pay_url


def test_it_voids_the_invoice_of_a_hold_that_ran_out(fake_stripe, ticket):
    registration = register(ticket)
    invoice = registration_invoice(registration)

    holds_expire(now=timezone.now() + timedelta(hours=1))

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    assert registration_invoice(registration) is None


def test_it_sends_a_promoted_party_a_pay_link_with_its_deadline(
    fake_stripe, ticket, django_capture_on_commit_callbacks
):
    holder = register(ticket, quantity=2)
    waiting = register(ticket, email="next@example.org")
    assert registration_invoice(waiting) is None
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=holder, reason="Cannot attend")

    waiting.refresh_from_db()
    invoice = registration_invoice(waiting)
    promoted = next(m for m in mail.outbox if m.to == ["next@example.org"])
    assert promoted.subject == "A place opened up for you at Annual Meeting"
    assert invoice.pay_url in promoted.body
    assert "Your seats are held until" in promoted.body


def test_it_refunds_and_tells_everyone_when_the_event_is_cancelled(
    fake_stripe, ticket, django_capture_on_commit_callbacks
):
    paid = register(ticket, email="paid@example.org")
    pay_online(fake_stripe, paid)
    unpaid = register(ticket, email="unpaid@example.org")
    waiting = register(ticket, email="waiting@example.org")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = event_cancel(event=ticket.event, reason="The speaker is ill.")

    assert result.refunded == Decimal("90.00")
    assert result.problems == []
    assert Refund.objects.get().amount == Decimal("90.00")
    assert registration_invoice(unpaid) is None  # voided
    assert {m.to[0] for m in mail.outbox if m.subject == "Annual Meeting is cancelled"} == {
        "paid@example.org",
        "unpaid@example.org",
        "waiting@example.org",
    }
    assert waiting.pk in {r.pk for r in result.cancelled}
