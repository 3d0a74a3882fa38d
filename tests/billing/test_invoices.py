from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing import services
from billing.effects import register_paid_handler
from billing.models import Invoice, InvoiceLine, Payment
from billing.selectors import invoice_for_membership, invoice_public_data
from core.exceptions import ServiceError
from crm.models import Membership, Pledge
from crm.services import pledge_create
from events.models import Registration
from tests.billing.stripe_payloads import committed
from tests.factories import InvestorLevelFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_it_prices_the_dues_invoice_with_the_quotes_lines_and_explanation(approved_membership):
    invoice = services.invoice_create_for_membership(membership=approved_membership)

    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.kind == Invoice.Kind.DUES
    assert invoice.total == Decimal("300.00")
    lines = list(invoice.lines.all())
    assert [line.amount for line in lines] == [Decimal("600.00"), Decimal("-300.00")]
    assert "Proration: 6 of 12 months" in lines[1].description
    assert {line.gl_account for line in lines} == {"4010"}
    assert {(line.period_start, line.period_end) for line in lines} == {
        (date(2026, 7, 1), date(2026, 12, 31))
    }
    assert all(line.membership == approved_membership for line in lines)
    assert "covers 6 of 12 months" in invoice.explanation
    assert invoice.contact.email == "owner@frontstreet.example.com"


def test_it_returns_the_same_invoice_when_asked_twice_for_one_period(approved_membership):
    first = services.invoice_create_for_membership(membership=approved_membership)
    second = services.invoice_create_for_membership(membership=approved_membership)

    assert first == second
    assert Invoice.objects.count() == 1


def test_it_bills_the_period_after_the_paid_through_date(approved_membership):
    Membership.objects.filter(pk=approved_membership.pk).update(
        status=Membership.Status.ACTIVE, paid_through=date(2026, 12, 31)
    )
    approved_membership.refresh_from_db()

    invoice = services.invoice_create_for_membership(membership=approved_membership)

    assert invoice.total == Decimal("600.00")
    assert invoice.lines.get().period_start == date(2027, 1, 1)


def test_it_issues_offline_with_a_number_and_payment_instructions(approved_membership):
    invoice = services.invoice_create_for_membership(membership=approved_membership)

    with committed():
        invoice = services.invoice_issue(invoice=invoice)

    today = timezone.localdate()
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.number == f"{today.year}-00001"
    assert invoice.issue_date == today
    assert invoice.due_date == today + timedelta(days=30)
    assert invoice.pay_url is None
    assert invoice.number in invoice.payment_instructions
    assert invoice.amount_due == Decimal("300.00")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@frontstreet.example.com"]
    assert invoice.number in message.subject
    assert "Pay by check" in message.body
    assert message.alternatives and "Pay by check" in message.alternatives[0][0]


def test_it_numbers_invoices_one_after_another_and_never_reuses_a_voided_number(
    approved_membership,
):
    first = services.invoice_issue(
        invoice=services.invoice_create_for_membership(membership=approved_membership)
    )
    services.invoice_void(invoice=first, reason="wrong plan")
    second = services.invoice_issue(
        invoice=services.invoice_create_for_membership(membership=approved_membership)
    )

    assert first.number.endswith("-00001")
    assert second.number.endswith("-00002")
    assert second != first


def test_it_issues_through_stripe_with_the_pay_link(approved_membership, fake_stripe):
    invoice = services.invoice_create_for_membership(membership=approved_membership)

    with committed():
        invoice = services.invoice_issue(invoice=invoice)

    assert invoice.stripe_invoice_id in fake_stripe.invoices
    assert invoice.pay_url == fake_stripe.invoices[invoice.stripe_invoice_id].hosted_url
    assert invoice.payment_instructions == ""
    assert invoice.stripe_error == ""
    approved_membership.organization.refresh_from_db()
    assert approved_membership.organization.stripe_customer_id in fake_stripe.customers
    assert invoice.pay_url in mail.outbox[0].body
    assert invoice_public_data(invoice_for_membership(approved_membership)) == {
        "number": invoice.number,
        "status": "open",
        "total": "300.00",
        "amount_due": "300.00",
        "due_date": invoice.due_date.isoformat(),
        "pay_url": invoice.pay_url,
        "payment_instructions": None,
        "pay_link_pending": False,
        "next_step": None,
    }


def test_it_keeps_the_invoice_open_and_retriable_when_stripe_is_down(
    approved_membership, fake_stripe
):
    fake_stripe.outage = "Connection refused"
    invoice = services.invoice_create_for_membership(membership=approved_membership)

    with committed():
        invoice = services.invoice_issue(invoice=invoice)

    assert invoice.status == Invoice.Status.OPEN
    assert invoice.number
    assert invoice.stripe_invoice_id is None
    assert "Connection refused" in invoice.stripe_error
    assert mail.outbox == []

    fake_stripe.outage = ""
    with committed():
        invoice = services.invoice_issue(invoice=invoice)

    assert invoice.stripe_invoice_id in fake_stripe.invoices
    assert invoice.stripe_error == ""
    assert len(mail.outbox) == 1
    assert invoice.pay_url in mail.outbox[0].body


def test_it_refuses_to_issue_an_invoice_without_lines():
    invoice = Invoice.objects.create(organization=OrganizationFactory(), kind=Invoice.Kind.OTHER)

    with pytest.raises(ServiceError, match="without lines"):
        services.invoice_issue(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.number is None


def _issued(membership) -> Invoice:
    with committed():
        return services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership)
        )


def test_it_activates_the_membership_when_a_check_pays_the_invoice(approved_membership):
    invoice = _issued(approved_membership)
    today = timezone.localdate()

    services.payment_record_offline(
        invoice=invoice,
        amount=Decimal("100.00"),
        method="check",
        check_number="1001",
        received_on=today,
    )
    invoice.refresh_from_db()
    approved_membership.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.amount_due == Decimal("200.00")
    assert approved_membership.status == Membership.Status.APPROVED

    with committed():
        payment = services.payment_record_offline(
            invoice=invoice,
            amount=Decimal("200.00"),
            method="check",
            check_number="1002",
            received_on=today,
        )

    invoice.refresh_from_db()
    approved_membership.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.amount_due == Decimal("0.00")
    assert payment.gl_account == "1010"
    assert approved_membership.status == Membership.Status.ACTIVE
    assert approved_membership.paid_through == date(2026, 12, 31)
    assert "paid through 2026-12-31" in invoice.status_reason
    assert "Receipt" in mail.outbox[-1].subject


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": Decimal("300.01")}, "more than the"),
        ({"amount": Decimal("0")}, "more than zero"),
        ({"check_number": ""}, "check number"),
        ({"method": "card"}, "Choose check"),
        ({"received_on": date(2099, 1, 1)}, "future"),
    ],
)
def test_it_refuses_a_bad_offline_payment_and_records_nothing(approved_membership, kwargs, message):
    invoice = _issued(approved_membership)
    args = {
        "amount": Decimal("300.00"),
        "method": "check",
        "check_number": "1001",
        "received_on": timezone.localdate(),
        **kwargs,
    }

    with pytest.raises(ServiceError, match=message):
        services.payment_record_offline(invoice=invoice, **args)
    assert not Payment.objects.exists()


def test_it_refuses_the_same_check_twice(approved_membership):
    invoice = _issued(approved_membership)
    today = timezone.localdate()
    services.payment_record_offline(
        invoice=invoice, amount=Decimal("100"), method="check", check_number="77", received_on=today
    )

    with pytest.raises(ServiceError, match="already recorded"):
        services.payment_record_offline(
            invoice=invoice,
            amount=Decimal("1"),
            method="check",
            check_number="77",
            received_on=today,
        )


def test_it_voids_an_unpaid_invoice_in_stripe_too(approved_membership, fake_stripe):
    invoice = _issued(approved_membership)

    invoice = services.invoice_void(invoice=invoice, reason="billed the wrong plan")

    assert invoice.status == Invoice.Status.VOID
    assert "billed the wrong plan" in invoice.status_reason
    assert fake_stripe.invoices[invoice.stripe_invoice_id].status == "void"
    assert invoice.pay_url is None
    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.APPROVED


def test_it_refuses_to_void_a_paid_invoice(approved_membership):
    invoice = _issued(approved_membership)
    services.payment_record_offline(
        invoice=invoice, amount=invoice.total, method="cash", received_on=timezone.localdate()
    )

    with pytest.raises(ServiceError, match="refund it instead"):
        services.invoice_void(invoice=invoice, reason="oops")


def test_it_does_not_void_when_stripe_refuses(approved_membership, fake_stripe):
    invoice = _issued(approved_membership)
    fake_stripe.outage = "Service unavailable"

    with pytest.raises(ServiceError, match="Not voided"):
        services.invoice_void(invoice=invoice, reason="duplicate")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN


def test_it_writes_off_an_invoice_and_still_takes_a_late_payment(approved_membership):
    invoice = _issued(approved_membership)

    invoice = services.invoice_write_off(invoice=invoice, reason="business closed")

    assert invoice.status == Invoice.Status.UNCOLLECTIBLE
    assert "business closed" in invoice.status_reason
    services.payment_record_offline(
        invoice=invoice, amount=invoice.total, method="wire", received_on=timezone.localdate()
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_it_wants_a_reason_to_void_or_write_off(approved_membership):
    invoice = _issued(approved_membership)

    with pytest.raises(ServiceError, match="Say why"):
        services.invoice_void(invoice=invoice, reason=" ")
    with pytest.raises(ServiceError, match="Say why"):
        services.invoice_write_off(invoice=invoice, reason="")


def test_it_undoes_the_membership_on_a_full_refund_and_not_on_a_partial_one(approved_membership):
    invoice = _issued(approved_membership)
    payment = services.payment_record_offline(
        invoice=invoice,
        amount=invoice.total,
        method="check",
        check_number="9",
        received_on=timezone.localdate(),
    )

    partial = services.refund_create(payment=payment, amount=Decimal("50.00"), reason="goodwill")

    approved_membership.refresh_from_db()
    assert approved_membership.status == Membership.Status.ACTIVE
    assert "Partial refund of $50.00" in partial.outcome

    full = services.refund_create(payment=payment, reason="member withdrew")

    assert full.amount == Decimal("250.00")
    approved_membership.refresh_from_db()
    invoice.refresh_from_db()
    assert approved_membership.status == Membership.Status.APPROVED
    assert approved_membership.paid_through is None
    assert "Refunded in full" in full.outcome
    assert "approved" in full.outcome
    assert invoice.net_paid == Decimal("0.00")
    assert invoice.amount_due == Decimal("0.00")

    with pytest.raises(ServiceError, match="Nothing is left"):
        services.refund_create(payment=payment, reason="again")


def test_it_refuses_to_refund_more_than_was_paid(approved_membership):
    invoice = _issued(approved_membership)
    payment = services.payment_record_offline(
        invoice=invoice, amount=invoice.total, method="cash", received_on=timezone.localdate()
    )

    with pytest.raises(ServiceError, match="At most"):
        services.refund_create(payment=payment, amount=Decimal("300.01"), reason="x")
    assert not payment.refunds.exists()


def test_it_settles_pledge_installments_and_completes_the_pledge_with_the_last():
    level = InvestorLevelFactory(gl_account="4110")
    pledge = pledge_create(
        organization=OrganizationFactory(),
        level=level,
        annual_amount=Decimal("10000.00"),
        start_date=date(2026, 1, 1),
        term_years=1,
        installments_per_year=2,
    )
    first, second = pledge.installments.all()

    invoices = []
    for installment in (first, second):
        invoice = services.invoice_create_for_installment(installment=installment)
        line = invoice.lines.get()
        assert line.kind == InvoiceLine.Kind.PLEDGE_INSTALLMENT
        assert line.gl_account == "4110"
        assert invoice.total == installment.amount
        invoices.append(services.invoice_issue(invoice=invoice))
    assert invoices[0].lines.get().period_end == date(2026, 6, 30)

    services.payment_record_offline(
        invoice=invoices[0],
        amount=Decimal("5000.00"),
        method="wire",
        received_on=timezone.localdate(),
    )
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED

    payment = services.payment_record_offline(
        invoice=invoices[1],
        amount=Decimal("5000.00"),
        method="wire",
        received_on=timezone.localdate(),
    )
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.COMPLETED

    refund = services.refund_create(payment=payment, reason="paid twice by mistake")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED
    assert "reopened" in refund.outcome


def test_it_waits_for_a_handler_before_a_registration_line_takes_effect(approved_membership):
    from billing import effects
    from tests.factories import TicketTypeFactory

    ticket = TicketTypeFactory()
    registration = Registration.objects.create(
        event=ticket.event,
        ticket_type=ticket,
        contact=approved_membership.organization.contacts.get(),
        status=Registration.Status.PENDING_PAYMENT,
        price_each=Decimal("80"),
        total=Decimal("80"),
    )
    invoice = Invoice.objects.create(
        organization=approved_membership.organization, kind=Invoice.Kind.EVENT
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        kind="registration",
        description="Gala ticket",
        amount=Decimal("80"),
        gl_account="4300",
        registration=registration,
    )
    Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("80"))
    invoice = services.invoice_issue(invoice=invoice)
    # The events app registers its handler at start-up: take it away to see billing wait.
    installed = effects._paid_handlers.pop("registration")
    try:
        with pytest.raises(ServiceError, match="No payment handler"):
            services.payment_record_offline(
                invoice=invoice,
                amount=Decimal("80"),
                method="cash",
                received_on=timezone.localdate(),
            )
        assert not Payment.objects.exists()

        seen = []

        def confirm(*, invoice, lines, by):
            seen.extend(lines)
            return ["Registration confirmed."]

        register_paid_handler("registration", confirm)
        services.payment_record_offline(
            invoice=invoice, amount=Decimal("80"), method="cash", received_on=timezone.localdate()
        )
    finally:
        register_paid_handler("registration", installed)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert [line.description for line in seen] == ["Gala ticket"]
    assert "Registration confirmed." in invoice.status_reason


def test_it_resends_an_open_invoice(approved_membership):
    invoice = _issued(approved_membership)

    with committed():
        services.invoice_resend(invoice=invoice)

    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == mail.outbox[0].subject
