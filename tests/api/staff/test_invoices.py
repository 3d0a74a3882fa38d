from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing import services as billing
from billing.gateways import FakeGateway, use_gateway
from billing.models import Invoice, Payment, Refund
from crm.models import Membership
from tests.api.staff.conftest import make_invoice, make_payment, make_pledge, make_refund
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/invoices/"


@pytest.fixture
def finance_api(api_for):
    return api_for("Finance")


def _reload(invoice: Invoice) -> Invoice:
    invoice.refresh_from_db()
    return invoice


def test_it_shows_an_invoice_with_its_lines_payments_and_balance(finance_api):
    invoice = make_invoice(organization=OrganizationFactory(name="Front Street Bakery"))
    payment = make_payment(invoice, amount="250.00", check_number="1042")
    make_refund(payment, amount="50.00")
    response = finance_api.get(f"{URL}{invoice.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["status"], body["kind"]) == (invoice.number, "open", "dues")
    assert body["organization_name"] == "Front Street Bakery"
    assert body["contact_name"] == invoice.contact.full_name
    money = ("total", "amount_paid", "amount_refunded", "net_paid", "amount_due")
    assert [body[name] for name in money] == ["600.00", "250.00", "50.00", "200.00", "350.00"]
    assert [
        (line["kind"], line["amount"], line["period_start"], line["period_end"])
        for line in body["lines"]
    ] == [("membership", "600.00", "2026-01-01", "2026-12-31")]
    assert body["payments"] == [
        {
            "id": payment.pk,
            "method": "check",
            "status": "succeeded",
            "amount": "250.00",
            "amount_refunded": "50.00",
            "received_on": timezone.localdate().isoformat(),
            "check_number": "1042",
        }
    ]
    assert body["overdue"] is False
    assert body["pay_url"] is None
    assert invoice.number in body["payment_instructions"]


def test_it_shows_the_pay_link_of_an_invoice_issued_through_stripe(finance_api):
    with use_gateway(FakeGateway()):
        invoice = make_invoice()
    body = finance_api.get(f"{URL}{invoice.pk}/").json()
    assert body["stripe_invoice_id"] == invoice.stripe_invoice_id
    assert body["pay_url"] and body["pay_url"] == invoice.stripe_hosted_url
    assert body["payment_instructions"] == ""


def test_it_changes_no_invoice_by_a_plain_request(superuser):
    from rest_framework.test import APIClient

    invoice = make_invoice()
    client = APIClient()
    client.force_authenticate(superuser)
    assert client.post(URL, {"organization": invoice.organization_id}).status_code == 405
    assert client.patch(f"{URL}{invoice.pk}/", {"memo": "x"}).status_code == 405
    assert client.delete(f"{URL}{invoice.pk}/").status_code == 405
    assert Invoice.objects.filter(pk=invoice.pk, memo="").exists()


# --- Filters ---------------------------------------------------------------------------------


@pytest.fixture
def invoices():
    today = timezone.localdate()

    def make(name: str, **kwargs) -> Invoice:
        return make_invoice(organization=OrganizationFactory(name=name), **kwargs)

    current = make("Current")
    late = make("Late")
    Invoice.objects.filter(pk=late.pk).update(
        issue_date=today - timedelta(days=40), due_date=today - timedelta(days=10)
    )
    make("Drafted", issue=False)
    paid = make("Paid")
    make_payment(paid, amount="600.00")
    voided = make("Voided")
    billing.invoice_void(invoice=voided, reason="Billed twice")
    pledge = make_pledge(organization=OrganizationFactory(name="Pledger"))
    pledged = billing.invoice_create_for_installment(installment=pledge.installments.first())
    billing.invoice_issue(invoice=pledged)
    return {"today": today, "current": _reload(current), "late": late, "pledged": pledged}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", ["Current", "Late", "Pledger"]),
        ("status=draft&status=void", ["Drafted", "Voided"]),
        ("kind=pledge", ["Pledger"]),
        ("kind=dues&status=paid", ["Paid"]),
        ("overdue=true", ["Late"]),
        ("overdue=false", ["Current", "Drafted", "Paid", "Pledger", "Voided"]),
        ("search=pledg", ["Pledger"]),
    ],
)
def test_it_filters_invoices(finance_api, invoices, query, expected):
    response = finance_api.get(f"{URL}?{query}")
    assert response.status_code == 200, response.json()
    assert sorted(row["organization_name"] for row in response.json()["results"]) == expected


def test_it_filters_on_several_statuses_and_kinds_without_select_distinct(finance_api, invoices):
    # No multiple choice crosses a to-many relation: DISTINCT would only sort every row.
    with CaptureQueriesContext(connection) as captured:
        response = finance_api.get(f"{URL}?status=open&status=paid&kind=dues&kind=pledge")

    assert response.status_code == 200, response.json()
    assert sorted(row["organization_name"] for row in response.json()["results"]) == [
        "Current",
        "Late",
        "Paid",
        "Pledger",
    ]
    invoice_queries = [q["sql"] for q in captured.captured_queries if "billing_invoice" in q["sql"]]
    assert invoice_queries
    assert not any("DISTINCT" in sql for sql in invoice_queries)


def test_it_filters_invoices_by_organization_number_dates_and_time(finance_api, invoices):
    today, current, late = invoices["today"], invoices["current"], invoices["late"]

    def names(**query) -> list[str]:
        response = finance_api.get(URL, query)
        assert response.status_code == 200, response.json()
        return sorted(row["organization_name"] for row in response.json()["results"])

    assert names(organization=late.organization_id) == ["Late"]
    assert names(contact=current.contact_id) == ["Current"]
    assert names(number=current.number) == ["Current"]
    assert names(search=current.number) == ["Current"]
    assert names(issued_before=(today - timedelta(days=1)).isoformat()) == ["Late"]
    assert names(issued_after=today.isoformat()) == ["Current", "Paid", "Pledger", "Voided"]
    assert names(due_before=today.isoformat()) == ["Late"]
    assert "Late" not in names(due_after=today.isoformat())
    past = timezone.now() - timedelta(days=3)
    Invoice.objects.exclude(pk=late.pk).update(created=past, modified=past)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert names(modified_since=since) == ["Late"]
    assert names(created_after=since) == ["Late"]
    assert "Late" not in names(created_before=since)
    assert len(names(created_before=since)) == 5


def test_it_refuses_a_bad_filter_value(finance_api):
    response = finance_api.get(f"{URL}?status=unpaid")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]
    assert finance_api.get(f"{URL}?due_after=soon").status_code == 400


def test_it_orders_invoices(finance_api, invoices):
    rows = finance_api.get(f"{URL}?ordering=due_date&status=open").json()["results"]
    assert rows[0]["organization_name"] == "Late"


# --- Issue and resend ------------------------------------------------------------------------


def test_it_issues_a_draft(finance_api, django_capture_on_commit_callbacks):
    invoice = make_invoice(issue=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_api.post(f"{URL}{invoice.pk}/issue/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "open"
    assert body["number"] == _reload(invoice).number is not None
    assert body["issue_date"] == timezone.localdate().isoformat()
    assert [message.to for message in mail.outbox] == [[invoice.contact.email]]


def test_it_refuses_to_issue_a_void_invoice(finance_api):
    invoice = make_invoice()
    billing.invoice_void(invoice=invoice, reason="Mistake")
    response = finance_api.post(f"{URL}{invoice.pk}/issue/")
    assert response.status_code == 409
    assert response.json() == {"errors": {"detail": ["An invoice that is void cannot be issued."]}}


def test_it_resends_an_open_invoice(finance_api, django_capture_on_commit_callbacks):
    invoice = make_invoice()
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_api.post(f"{URL}{invoice.pk}/resend/")
    assert response.status_code == 200
    assert response.json()["last_sent_at"] is not None
    assert len(mail.outbox) == 1
    assert invoice.number in mail.outbox[0].subject


def test_it_refuses_to_resend_a_draft(finance_api, django_capture_on_commit_callbacks):
    invoice = make_invoice(issue=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_api.post(f"{URL}{invoice.pk}/resend/")
    assert response.status_code == 409
    assert "draft is not sent" in response.json()["errors"]["detail"][0]
    assert mail.outbox == []


# --- Void and write-off ----------------------------------------------------------------------


def test_it_voids_with_a_reason(finance_api):
    invoice = make_invoice()
    response = finance_api.post(f"{URL}{invoice.pk}/void/", {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    assert _reload(invoice).status == "open"
    response = finance_api.post(
        f"{URL}{invoice.pk}/void/", {"reason": "Billed the wrong company"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "void"
    assert "Billed the wrong company" in response.json()["status_reason"]


def test_it_refuses_to_void_an_invoice_with_money_on_it(finance_api):
    invoice = make_invoice()
    make_payment(invoice, amount="100.00")
    response = finance_api.post(f"{URL}{invoice.pk}/void/", {"reason": "Oops"}, format="json")
    assert response.status_code == 409
    assert "has $100.00 paid on it" in response.json()["errors"]["detail"][0]
    assert _reload(invoice).status == "open"


def test_it_refuses_to_void_a_paid_invoice(finance_api):
    invoice = make_invoice()
    make_payment(invoice, amount="600.00")
    response = finance_api.post(f"{URL}{invoice.pk}/void/", {"reason": "Oops"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"detail": ["A paid invoice cannot be voided: refund it instead."]}
    }


def test_it_writes_off_an_open_invoice(finance_api):
    invoice = make_invoice()
    response = finance_api.post(
        f"{URL}{invoice.pk}/write-off/", {"reason": "Business closed"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["amount_due"]) == ("uncollectible", "600.00")
    assert "Business closed" in body["status_reason"]


def test_it_refuses_to_write_off_a_draft(finance_api):
    invoice = make_invoice(issue=False)
    response = finance_api.post(
        f"{URL}{invoice.pk}/write-off/", {"reason": "Business closed"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"detail": ["An invoice that is draft cannot be written off."]}
    }
    assert _reload(invoice).status == "draft"


def test_it_needs_a_reason_to_write_off(finance_api):
    invoice = make_invoice()
    response = finance_api.post(f"{URL}{invoice.pk}/write-off/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]


# --- Record a payment ------------------------------------------------------------------------


def _check(**overrides) -> dict:
    return {
        "method": "check",
        "amount": "600.00",
        "received_on": timezone.localdate().isoformat(),
        "check_number": "5521",
        **overrides,
    }


def test_it_records_a_check_that_pays_the_invoice(finance_api):
    invoice = make_invoice()
    response = finance_api.post(
        f"{URL}{invoice.pk}/record-payment/", _check(memo="Mailed in"), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    payment = Payment.objects.get()
    assert body["id"] == payment.pk
    assert (body["invoice"], body["invoice_number"], body["method"], body["status"]) == (
        invoice.pk,
        invoice.number,
        "check",
        "succeeded",
    )
    assert (body["amount"], body["refundable"], body["check_number"], body["memo"]) == (
        "600.00",
        "600.00",
        "5521",
        "Mailed in",
    )
    assert body["recorded_by"] == "staff-finance"
    assert _reload(invoice).status == "paid"
    membership = Membership.objects.get(organization=invoice.organization)
    assert membership.status == "active"


def test_it_records_a_wire_in_part_dated_today_when_no_date_is_given(finance_api):
    invoice = make_invoice()
    response = finance_api.post(
        f"{URL}{invoice.pk}/record-payment/",
        {"method": "wire", "amount": "200", "check_number": "FED-REF-77"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["received_on"] == timezone.localdate().isoformat()
    invoice = _reload(invoice)
    assert (invoice.status, invoice.amount_due) == ("open", Decimal("400.00"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"check_number": ""}, "check_number", "Enter the check number."),
        ({"amount": "600.01"}, "amount", "$600.01 is more than the $600.00 due"),
        ({"amount": "0"}, "amount", "The amount must be more than zero."),
        ({"amount": "a lot"}, "amount", "A valid number is required."),
        ({"method": "card"}, "method", '"card" is not a valid choice.'),
        ({"received_on": "2999-01-01"}, "received_on", "cannot be received in the future"),
        ({"received_on": "1990-01-01"}, "received_on", "received in the last 730 days"),
    ],
)
def test_it_refuses_a_bad_payment_with_a_400(finance_api, overrides, field, message):
    invoice = make_invoice()
    response = finance_api.post(
        f"{URL}{invoice.pk}/record-payment/", _check(**overrides), format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not Payment.objects.exists()
    assert _reload(invoice).status == "open"


def test_it_refuses_a_payment_on_an_invoice_that_takes_none(finance_api):
    draft, voided = make_invoice(issue=False), make_invoice()
    billing.invoice_void(invoice=voided, reason="Mistake")
    response = finance_api.post(f"{URL}{draft.pk}/record-payment/", _check(), format="json")
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"detail": ["Issue the invoice before recording a payment on it."]}
    }
    response = finance_api.post(f"{URL}{voided.pk}/record-payment/", _check(), format="json")
    assert response.status_code == 409
    assert "is void: it takes no payment" in response.json()["errors"]["detail"][0]
    assert not Payment.objects.exists()


def test_it_refuses_the_same_check_twice(finance_api):
    invoice = make_invoice()
    make_payment(invoice, amount="100.00", check_number="5521")
    response = finance_api.post(
        f"{URL}{invoice.pk}/record-payment/", _check(amount="100.00"), format="json"
    )
    assert response.status_code == 409
    assert "Check 5521 is already recorded" in response.json()["errors"]["check_number"][0]
    assert Payment.objects.count() == 1


def test_it_records_a_payment_once_for_a_retried_request(finance_api):
    invoice = make_invoice()
    url = f"{URL}{invoice.pk}/record-payment/"
    body = _check(amount="150.00")
    first = finance_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="check-5521")
    again = finance_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="check-5521")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    other = finance_api.post(
        url, _check(amount="99.00"), format="json", HTTP_IDEMPOTENCY_KEY="check-5521"
    )
    assert other.status_code == 409
    assert list(other.json()["errors"]) == ["Idempotency-Key"]
    assert Payment.objects.count() == 1


# --- Refunds ---------------------------------------------------------------------------------


def test_it_refunds_a_paid_invoice_in_full_and_says_what_changed(finance_api):
    invoice = make_invoice()
    payment = make_payment(invoice, amount="600.00")
    response = finance_api.post(
        f"{URL}{invoice.pk}/refund/",
        {"payment": payment.pk, "reason": "Joined by mistake"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    refund = Refund.objects.get()
    assert (body["id"], body["payment"], body["invoice"]) == (refund.pk, payment.pk, invoice.pk)
    assert (body["amount"], body["status"], body["reason"]) == (
        "600.00",
        "succeeded",
        "Joined by mistake",
    )
    assert body["outcome"].startswith("Refunded in full.")
    assert body["created_by"] == "staff-finance"
    detail = finance_api.get(f"{URL}{invoice.pk}/").json()
    assert (detail["net_paid"], detail["payments"][0]["amount_refunded"]) == ("0.00", "600.00")


def test_it_refunds_in_part(finance_api):
    payment = make_payment(make_invoice(), amount="600.00")
    response = finance_api.post(
        f"{URL}{payment.invoice_id}/refund/",
        {"payment": payment.pk, "amount": "75.00", "reason": "Early-bird discount"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["outcome"].startswith("Partial refund of $75.00")
    assert _reload(payment.invoice).status == "paid"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"amount": "600.01"}, "amount", "At most $600.00 of this payment can be refunded."),
        ({"amount": "-5"}, "amount", "The amount must be more than zero."),
        ({"reason": ""}, "reason", "This field may not be blank."),
        ({"payment": 987654}, "payment", 'Invalid pk "987654"'),
    ],
)
def test_it_refuses_a_bad_refund_with_a_400(finance_api, body, field, message):
    payment = make_payment(make_invoice(), amount="600.00")
    request = {"payment": payment.pk, "reason": "Asked for it back", **body}
    response = finance_api.post(f"{URL}{payment.invoice_id}/refund/", request, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not Refund.objects.exists()


def test_it_refuses_to_refund_a_payment_of_another_invoice(finance_api):
    payment = make_payment(make_invoice(), amount="600.00")
    other = make_invoice()
    response = finance_api.post(
        f"{URL}{other.pk}/refund/", {"payment": payment.pk, "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"payment": [f"Payment {payment.pk} is not on this invoice."]}
    }
    assert not Refund.objects.exists()


def test_it_refuses_to_refund_what_was_already_given_back(finance_api):
    payment = make_payment(make_invoice(), amount="600.00")
    make_refund(payment, amount=None)
    response = finance_api.post(
        f"{URL}{payment.invoice_id}/refund/",
        {"payment": payment.pk, "reason": "Again"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json() == {"errors": {"detail": ["Nothing is left to refund on this payment."]}}
    assert Refund.objects.count() == 1


def test_it_refunds_once_for_a_retried_request(finance_api):
    payment = make_payment(make_invoice(), amount="600.00")
    url = f"{URL}{payment.invoice_id}/refund/"
    body = {"payment": payment.pk, "amount": "10.00", "reason": "Overcharged"}
    first = finance_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="refund-1")
    again = finance_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="refund-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Refund.objects.count() == 1


# --- Who may do what -------------------------------------------------------------------------

ROLES = ["Membership", "Finance", "Events", "Read-only"]


def _action(name: str) -> tuple[Invoice, str, dict, int]:
    """An invoice ready for the action, its path, a valid body and the success code."""
    if name == "issue":
        invoice = make_invoice(issue=False)
        return invoice, "issue", {}, 200
    invoice = make_invoice()
    if name == "resend":
        return invoice, "resend", {}, 200
    if name == "void":
        return invoice, "void", {"reason": "Mistake"}, 200
    if name == "write-off":
        return invoice, "write-off", {"reason": "Closed"}, 200
    if name == "record-payment":
        return invoice, "record-payment", _check(), 201
    payment = make_payment(invoice, amount="600.00")
    return invoice, "refund", {"payment": payment.pk, "reason": "Asked"}, 201


ACTIONS = ["issue", "resend", "void", "write-off", "record-payment", "refund"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ACTIONS)
def test_it_lets_only_finance_act_on_invoices(api_for, name, role):
    invoice, path, body, success = _action(name)
    before = (invoice.status, Payment.objects.count(), Refund.objects.count())
    response = api_for(role).post(f"{URL}{invoice.pk}/{path}/", body, format="json")
    if role == "Finance":
        assert response.status_code == success, response.json()
    else:
        assert response.status_code == 403
        after = (_reload(invoice).status, Payment.objects.count(), Refund.objects.count())
        assert after == before


@pytest.mark.parametrize(
    ("name", "permission"),
    [
        ("void", "void_invoice"),
        ("write-off", "write_off_invoice"),
        ("record-payment", "record_payment"),
        ("refund", "refund_payment"),
        ("issue", "change_invoice"),
        ("resend", "change_invoice"),
    ],
)
def test_it_checks_each_actions_own_permission(make_staff, name, permission):
    """Editing invoices (change_invoice) is not voiding them, and voiding is not refunding."""
    from django.contrib.auth.models import Permission
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    everything = {
        "change_invoice",
        "void_invoice",
        "write_off_invoice",
        "record_payment",
        "refund_payment",
    }
    user = make_staff("Read-only", username="almost-finance")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="billing", codename__in=everything - {permission}
        )
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    invoice, path, body, _ = _action(name)
    assert client.post(f"{URL}{invoice.pk}/{path}/", body, format="json").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename=permission))
    response = client.post(f"{URL}{invoice.pk}/{path}/", body, format="json")
    assert response.status_code in (200, 201), response.json()


@pytest.mark.parametrize("name", ACTIONS)
def test_it_asks_for_credentials_before_any_action(name):
    from rest_framework.test import APIClient

    invoice, path, body, _ = _action(name)
    response = APIClient().post(f"{URL}{invoice.pk}/{path}/", body, format="json")
    assert response.status_code == 401
    assert _reload(invoice).status == invoice.status


def test_it_answers_404_for_an_action_on_an_unknown_invoice(finance_api):
    response = finance_api.post(f"{URL}999999/void/", {"reason": "x"}, format="json")
    assert response.status_code == 404
