from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Invoice, Payment, StripeEvent
from crm.roles import FINANCE, MEMBERSHIP
from tests.billing.stripe_payloads import committed

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:billing_invoice_changelist")


@pytest.fixture
def open_invoice(approved_membership) -> Invoice:
    with committed():
        return services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=approved_membership)
        )


def test_it_lists_invoices_with_their_balance_for_finance(client_for, open_invoice):
    response = client_for(FINANCE).get(CHANGELIST, {"status__exact": "open", "q": "Front Street"})

    assert response.status_code == 200
    assert open_invoice.number in response.content.decode()
    assert "$300.00" in response.content.decode()


def test_it_filters_overdue_invoices(client_for, open_invoice):
    Invoice.objects.filter(pk=open_invoice.pk).update(
        due_date=timezone.localdate().replace(year=2020)
    )
    finance = client_for(FINANCE)

    assert open_invoice.number in finance.get(CHANGELIST, {"overdue": "yes"}).content.decode()
    assert open_invoice.number not in finance.get(CHANGELIST, {"overdue": "no"}).content.decode()


def test_it_records_a_check_from_the_admin(client_for, open_invoice, approved_membership):
    response = client_for(FINANCE).post(
        CHANGELIST,
        {
            "action": "record_payment",
            "_selected_action": [open_invoice.pk],
            "apply": "1",
            "method": "check",
            "amount": "300.00",
            "received_on": timezone.localdate().isoformat(),
            "check_number": "5521",
            "memo": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    payment = Payment.objects.get()
    assert (payment.check_number, payment.amount) == ("5521", Decimal("300.00"))
    open_invoice.refresh_from_db()
    assert open_invoice.status == Invoice.Status.PAID
    assert "paid through 2026-12-31" in response.content.decode()


def test_it_refunds_and_says_what_changed(client_for, open_invoice, approved_membership):
    services.payment_record_offline(
        invoice=open_invoice, amount=Decimal("300"), method="cash", received_on=timezone.localdate()
    )

    response = client_for(FINANCE).post(
        CHANGELIST,
        {
            "action": "refund",
            "_selected_action": [open_invoice.pk],
            "apply": "1",
            "amount": "",
            "reason": "joined by mistake",
        },
        follow=True,
    )

    content = response.content.decode()
    assert "Refunded $300.00" in content
    assert "membership approved, awaiting payment (was active), with no dues paid" in content


def test_it_keeps_money_actions_from_the_membership_role(client_for, open_invoice):
    membership_staff = client_for(MEMBERSHIP)

    listing = membership_staff.get(CHANGELIST)
    assert listing.status_code == 200
    content = listing.content.decode()
    assert 'value="void"' not in content
    assert 'value="refund"' not in content
    assert 'value="record_payment"' not in content

    membership_staff.post(
        CHANGELIST,
        {"action": "void", "_selected_action": [open_invoice.pk], "apply": "1", "reason": "x"},
    )
    open_invoice.refresh_from_db()
    assert open_invoice.status == Invoice.Status.OPEN


def test_it_offers_finance_every_action(client_for, open_invoice):
    content = client_for(FINANCE).get(CHANGELIST).content.decode()

    for action in ("issue", "resend", "void", "write_off", "record_payment", "refund"):
        assert f'value="{action}"' in content


def test_it_voids_with_a_reason_from_the_admin(client_for, open_invoice):
    client_for(FINANCE).post(
        CHANGELIST,
        {"action": "void", "_selected_action": [open_invoice.pk], "apply": "1", "reason": "dup"},
    )

    open_invoice.refresh_from_db()
    assert open_invoice.status == Invoice.Status.VOID


def test_it_shows_stripe_events_read_only_with_a_replay_for_finance(client_for):
    stored = StripeEvent.objects.create(
        stripe_id="evt_1", type="customer.tax_id.created", payload={"data": {"object": {}}}
    )
    finance = client_for(FINANCE)
    changelist = reverse("admin:billing_stripeevent_changelist")

    assert 'value="replay"' in finance.get(changelist).content.decode()
    finance.post(changelist, {"action": "replay", "_selected_action": [stored.pk]})

    stored.refresh_from_db()
    assert stored.status == StripeEvent.Status.STORED
    page = finance.get(reverse("admin:billing_stripeevent_change", args=[stored.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_it_shows_an_invoice_with_its_lines_balance_and_stripe_state(client_for, open_invoice):
    page = client_for(FINANCE).get(reverse("admin:billing_invoice_change", args=[open_invoice.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert "Proration: 6 of 12 months" in content
    assert "Pay by check" in content


def _page(invoice: Invoice) -> str:
    return reverse("admin:billing_invoice_change", args=[invoice.pk])


def _record(invoice: Invoice) -> str:
    return reverse("admin:billing_invoice_record_payment", args=[invoice.pk])


def test_it_offers_the_payment_form_and_the_pdf_on_the_invoice_page(client_for, open_invoice):
    assert not open_invoice.stripe_invoice_id  # no Stripe here: the PDF is the chamber's own

    page = client_for(FINANCE).get(_page(open_invoice)).content.decode()
    pdf = client_for(FINANCE).get(reverse("admin:billing_invoice_pdf", args=[open_invoice.pk]))

    assert "Record a payment" in page
    assert 'name="amount" value="300.00"' in page  # what is due, ready to confirm
    assert "Printable invoice (PDF)" in page
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    membership_page = client_for(MEMBERSHIP).get(_page(open_invoice)).content.decode()
    assert "Record a payment" not in membership_page  # not theirs to record


def test_it_records_a_check_from_the_invoice_page(client_for, open_invoice, approved_membership):
    response = client_for(FINANCE).post(
        _record(open_invoice),
        {
            "method": "check",
            "amount": "300.00",
            "received_on": timezone.localdate().isoformat(),
            "check_number": "5521",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == _page(open_invoice)
    payment = Payment.objects.get()
    assert (payment.check_number, payment.amount) == ("5521", Decimal("300.00"))
    assert f"Payment recorded on invoice {open_invoice.number}." in response.content.decode()
    open_invoice.refresh_from_db()
    assert open_invoice.status == Invoice.Status.PAID


@pytest.mark.parametrize(
    ("typed", "field", "error"),
    [
        (
            {"method": "check", "amount": "123.45", "check_number": ""},
            "check_number",
            "Enter the check number.",
        ),
        (
            {"method": "wire", "amount": "450.00", "check_number": "FED-77"},
            "amount",
            "$450.00 is more than the $300.00 due on invoice",
        ),
    ],
    ids=["no check number", "more than due"],
)
def test_a_refused_payment_keeps_the_form_as_typed_with_the_error_beside_its_field(
    client_for, open_invoice, typed, field, error
):
    received = (timezone.localdate() - timezone.timedelta(days=3)).isoformat()

    response = client_for(FINANCE).post(
        _record(open_invoice), {**typed, "received_on": received, "memo": "front desk"}
    )

    assert response.status_code == 200
    assert not Payment.objects.exists()
    page = response.content.decode()
    panel = page[page.index('id="record-payment"') :]
    beside = panel[panel.index(f"payment-field-{field}") :]
    assert error in beside[: beside.index("</div>", beside.index("errorlist"))]
    assert f'name="amount" value="{typed["amount"]}"' in panel
    assert f'value="{received}"' in panel
    assert 'value="front desk"' in panel
    assert f'<option value="{typed["method"]}" selected>' in panel


def test_the_list_action_keeps_the_form_as_typed_when_refused(client_for, open_invoice):
    response = client_for(FINANCE).post(
        CHANGELIST,
        {
            "action": "record_payment",
            "_selected_action": [open_invoice.pk],
            "apply": "1",
            "method": "check",
            "amount": "120.00",
            "received_on": timezone.localdate().isoformat(),
            "check_number": "",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter the check number." in page
    assert 'value="120.00"' in page
    assert not Payment.objects.exists()


def test_only_finance_records_a_payment_by_the_page_url(client_for, open_invoice):
    posted = client_for(MEMBERSHIP).post(
        _record(open_invoice),
        {"method": "cash", "amount": "300.00", "received_on": timezone.localdate().isoformat()},
    )

    assert posted.status_code == 403
    assert not Payment.objects.exists()
