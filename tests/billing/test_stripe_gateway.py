"""The Stripe gateway driven through the real `stripe` library, with its HTTP layer replaced by
a recorder that answers with Stripe's example objects."""

import json
import time
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from billing.gateways import GatewayError, WebhookSignatureError, verify_webhook
from billing.gateways.base import CustomerDetails, DraftInvoice, DraftLine
from billing.gateways.stripe import StripeGateway
from tests.billing.stripe_payloads import sign, stripe_object

API_BASE = "http://stripe.internal:12111"


class RecordingClient(stripe.HTTPClient):
    name = "recording"

    def __init__(self, answers):
        super().__init__()
        self.answers = list(answers)
        self.requests = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        self.requests.append(
            {
                "method": method.upper(),
                "base": f"{parts.scheme}://{parts.netloc}",
                "path": parts.path,
                "query": parse_qs(parts.query),
                "headers": dict(headers or {}),
                "form": parse_qs(
                    post_data.decode() if isinstance(post_data, bytes) else post_data or ""
                ),
            }
        )
        status, body = self.answers.pop(0)
        return json.dumps(body), status, {"Request-Id": "req_test"}

    def close(self):
        pass


def gateway(*answers) -> tuple[StripeGateway, RecordingClient]:
    client = RecordingClient(answers)
    return StripeGateway(api_key="sk_test_123", api_base=API_BASE, http_client=client), client


def test_it_creates_the_customer_with_our_id_and_an_idempotency_key(settings):
    gw, http = gateway((200, stripe_object("customer", id="cus_new")))

    customer_id = gw.ensure_customer(
        CustomerDetails(organization_id=42, name="Front Street Bakery", email="a@b.example")
    )

    assert customer_id == "cus_new"
    sent = http.requests[0]
    assert (sent["method"], sent["base"], sent["path"]) == ("POST", API_BASE, "/v1/customers")
    assert sent["headers"]["Idempotency-Key"] == "organization-42-customer"
    assert sent["headers"]["Stripe-Version"] == settings.STRIPE_API_VERSION == "2026-10-28.endive"
    assert sent["headers"]["Authorization"] == "Bearer sk_test_123"
    assert sent["form"]["metadata[organization_id]"] == ["42"]
    assert sent["form"]["name"] == ["Front Street Bakery"]


def test_it_reuses_a_known_customer_without_asking_stripe():
    gw, http = gateway()

    assert (
        gw.ensure_customer(
            CustomerDetails(organization_id=1, name="x", email="", existing_id="cus_known")
        )
        == "cus_known"
    )
    assert http.requests == []


def test_it_creates_adds_lines_and_finalizes_a_send_invoice():
    draft_answer = stripe_object("invoice", id="in_test", status="draft", hosted_invoice_url=None)
    finalized = stripe_object(
        "invoice",
        id="in_test",
        status="open",
        total=30000,
        amount_due=30000,
        amount_remaining=30000,
        hosted_invoice_url="https://invoice.stripe.com/i/acct_1/test_123",
        invoice_pdf="https://pay.stripe.com/invoice/acct_1/test_123/pdf",
    )
    gw, http = gateway(
        (200, draft_answer),
        (200, stripe_object("invoiceitem", id="ii_1")),
        (200, stripe_object("invoiceitem", id="ii_2")),
        (200, finalized),
    )

    remote = gw.issue_invoice(
        DraftInvoice(
            invoice_id=7,
            number="2026-00007",
            customer_id="cus_1",
            days_until_due=30,
            description="Invoice 2026-00007",
            lines=(
                DraftLine(
                    11, "Annual dues", Decimal("600.00"), date(2026, 7, 1), date(2026, 12, 31)
                ),
                DraftLine(
                    12, "Proration", Decimal("-300.00"), date(2026, 7, 1), date(2026, 12, 31)
                ),
            ),
            metadata={"organization_id": "3"},
        )
    )

    create, first, second, finalize = http.requests
    assert create["path"] == "/v1/invoices"
    assert create["headers"]["Idempotency-Key"] == "invoice-7-create"
    assert create["form"]["collection_method"] == ["send_invoice"]
    assert create["form"]["days_until_due"] == ["30"]
    assert create["form"]["customer"] == ["cus_1"]
    assert create["form"]["pending_invoice_items_behavior"] == ["exclude"]
    assert create["form"]["payment_settings[payment_method_types][0]"] == ["card"]
    assert create["form"]["payment_settings[payment_method_types][1]"] == ["us_bank_account"]
    assert create["form"]["metadata[invoice_id]"] == ["7"]
    assert create["form"]["metadata[invoice_number]"] == ["2026-00007"]
    assert create["form"]["metadata[organization_id]"] == ["3"]
    assert first["path"] == second["path"] == "/v1/invoiceitems"
    assert first["headers"]["Idempotency-Key"] == "invoice-7-line-11"
    assert first["form"]["invoice"] == ["in_test"]
    assert first["form"]["amount"] == ["60000"]
    assert second["form"]["amount"] == ["-30000"]
    assert second["form"]["metadata[line_id]"] == ["12"]
    assert first["form"]["period[start]"] == ["1782864000"]
    assert finalize["path"] == "/v1/invoices/in_test/finalize"
    assert finalize["headers"]["Idempotency-Key"] == "invoice-7-finalize"
    assert remote.id == "in_test"
    assert remote.status == "open"
    assert remote.total == Decimal("300.00")
    assert remote.hosted_url == "https://invoice.stripe.com/i/acct_1/test_123"
    assert remote.pdf_url.endswith("/pdf")


def test_it_turns_stripe_errors_into_gateway_errors():
    error = {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": "No such customer: 'cus_gone'",
            "param": "customer",
        }
    }
    gw, _ = gateway((400, error))

    with pytest.raises(GatewayError) as raised:
        gw.void_invoice("in_1", idempotency_key="invoice-1-void")

    assert "No such customer" in raised.value.message
    assert raised.value.message.startswith("Stripe could not void the invoice")
    assert raised.value.code == "resource_missing"
    assert raised.value.retriable is False


def test_it_reads_an_invoice_and_its_invoice_payments():
    invoice = stripe_object(
        "invoice", id="in_1", status="paid", total=30000, amount_paid=30000, amount_remaining=0
    )
    payments = {
        "object": "list",
        "url": "/v1/invoice_payments",
        "has_more": False,
        "data": [
            stripe_object(
                "invoice_payment",
                id="inpay_1",
                invoice="in_1",
                status="paid",
                amount_paid=30000,
                payment={"type": "payment_intent", "payment_intent": "pi_1"},
            )
        ],
    }
    gw, http = gateway((200, invoice), (200, payments))

    remote = gw.retrieve_invoice("in_1")

    assert http.requests[0]["path"] == "/v1/invoices/in_1"
    assert http.requests[1]["path"] == "/v1/invoice_payments"
    assert http.requests[1]["query"]["invoice"] == ["in_1"]
    assert remote.status == "paid"
    assert remote.amount_paid == Decimal("300.00")
    (payment,) = remote.payments
    assert (payment.id, payment.payment_intent_id, payment.amount_paid) == (
        "inpay_1",
        "pi_1",
        Decimal("300.00"),
    )


def test_it_finds_the_invoice_of_a_payment_intent():
    found = {
        "object": "list",
        "url": "/v1/invoice_payments",
        "has_more": False,
        "data": [stripe_object("invoice_payment", invoice="in_9")],
    }
    gw, http = gateway((200, found))

    assert gw.invoice_id_for_payment("pi_9") == "in_9"
    assert http.requests[0]["query"]["payment[payment_intent]"] == ["pi_9"]
    assert http.requests[0]["query"]["payment[type]"] == ["payment_intent"]


def test_it_reads_a_card_payment_with_its_fee():
    charge = stripe_object(
        "charge",
        id="ch_1",
        balance_transaction=stripe_object("balance_transaction", fee=900, net=29100),
    )
    intent = stripe_object(
        "payment_intent", id="pi_1", status="succeeded", amount=30000, latest_charge=charge
    )
    gw, http = gateway((200, intent))

    payment = gw.retrieve_payment("pi_1")

    assert http.requests[0]["query"]["expand[0]"] == ["latest_charge.balance_transaction"]
    assert (payment.status, payment.method, payment.amount) == (
        "succeeded",
        "card",
        Decimal("300.00"),
    )
    assert (payment.fee, payment.net, payment.charge_id) == (
        Decimal("9.00"),
        Decimal("291.00"),
        "ch_1",
    )


def test_it_reads_ach_as_pending_then_failed():
    processing = stripe_object(
        "payment_intent",
        id="pi_ach",
        status="processing",
        amount=30000,
        payment_method_types=["us_bank_account"],
        last_payment_error=None,
    )
    failed = dict(
        processing,
        status="requires_payment_method",
        last_payment_error={"type": "card_error", "message": "Insufficient funds."},
    )
    gw, _ = gateway((200, processing), (200, failed))

    first = gw.retrieve_payment("pi_ach")
    second = gw.retrieve_payment("pi_ach")

    assert (first.status, first.method) == ("pending", "ach")
    assert (second.status, second.failure_message) == ("failed", "Insufficient funds.")


def test_it_refunds_part_of_a_payment_with_our_ids():
    gw, http = gateway(
        (200, stripe_object("refund", id="re_1", amount=5000, payment_intent="pi_1"))
    )

    refund = gw.create_refund(
        payment_intent_id="pi_1",
        amount=Decimal("50.00"),
        idempotency_key="refund-3",
        metadata={"refund_id": "3"},
    )

    sent = http.requests[0]
    assert sent["path"] == "/v1/refunds"
    assert sent["headers"]["Idempotency-Key"] == "refund-3"
    assert sent["form"]["amount"] == ["5000"]
    assert sent["form"]["payment_intent"] == ["pi_1"]
    assert sent["form"]["metadata[refund_id]"] == ["3"]
    assert (refund.id, refund.amount, refund.status) == ("re_1", Decimal("50.00"), "succeeded")


def test_it_marks_an_invoice_paid_out_of_band():
    gw, http = gateway((200, stripe_object("invoice", id="in_1", status="paid")))

    gw.mark_paid_out_of_band("in_1", idempotency_key="invoice-1-paid-offline")

    assert http.requests[0]["path"] == "/v1/invoices/in_1/pay"
    assert http.requests[0]["form"]["paid_out_of_band"] == ["true"]


def test_it_creates_an_auto_renewal_invoice_to_charge_automatically():
    gw, http = gateway(
        (200, stripe_object("invoice", id="in_auto", status="draft")),
        (200, stripe_object("invoiceitem", id="ii_1")),
        (200, stripe_object("invoice", id="in_auto", status="open", total=60000)),
    )

    gw.issue_invoice(
        DraftInvoice(
            invoice_id=8,
            number="2026-00008",
            customer_id="cus_1",
            days_until_due=45,
            description="Renewal",
            lines=(DraftLine(21, "Annual dues", Decimal("600.00")),),
            charge_automatically=True,
        )
    )

    create = http.requests[0]["form"]
    assert create["collection_method"] == ["charge_automatically"]
    assert "days_until_due" not in create
    assert create["auto_advance"] == ["false"]


def test_it_reads_the_customers_saved_payment_method():
    customer = stripe_object("customer", id="cus_1")
    customer["invoice_settings"] = {"default_payment_method": "pm_card_visa"}
    gw, http = gateway((200, customer), (200, stripe_object("customer", id="cus_2")))

    assert gw.default_payment_method("cus_1") == "pm_card_visa"
    assert http.requests[0]["method"] == "GET"
    assert http.requests[0]["path"] == "/v1/customers/cus_1"
    assert gw.default_payment_method("cus_2") == ""  # Stripe's example has none saved


def test_it_charges_an_invoice_to_the_saved_payment_method():
    gw, http = gateway(
        (200, stripe_object("invoice", id="in_1", status="paid", amount_paid=60000)),
    )

    remote = gw.pay_invoice("in_1", idempotency_key="invoice-8-charge")

    sent = http.requests[0]
    assert (sent["method"], sent["path"]) == ("POST", "/v1/invoices/in_1/pay")
    assert sent["headers"]["Idempotency-Key"] == "invoice-8-charge"
    assert "paid_out_of_band" not in sent["form"]
    assert (remote.status, remote.amount_paid) == ("paid", Decimal("600.00"))


def test_it_reports_a_declined_card_as_a_gateway_error():
    declined = {
        "error": {
            "type": "card_error",
            "code": "card_declined",
            "message": "Your card was declined.",
        }
    }
    gw, _ = gateway((402, declined))

    with pytest.raises(GatewayError) as caught:
        gw.pay_invoice("in_1", idempotency_key="invoice-8-charge")

    assert caught.value.code == "card_declined"
    assert "Your card was declined." in caught.value.message
    assert caught.value.retriable is False


def test_it_starts_a_checkout_for_card_and_bank_account():
    session = stripe_object("checkout.session", id="cs_1")
    gw, http = gateway((200, session))

    created = gw.create_checkout_session(
        lines=[],
        success_url="https://example.org/ok",
        cancel_url="https://example.org/no",
        customer_email="a@b.example",
        idempotency_key="registration-5-checkout",
        metadata={"invoice_id": "5"},
    )

    sent = http.requests[0]
    assert sent["path"] == "/v1/checkout/sessions"
    assert sent["form"]["metadata[invoice_id]"] == ["5"]
    assert sent["form"]["payment_intent_data[metadata][invoice_id]"] == ["5"]
    assert created.url.startswith("https://checkout.stripe.com/")


def test_it_verifies_webhook_signatures():
    body = json.dumps({"id": "evt_1", "type": "invoice.paid", "data": {"object": {}}})

    assert verify_webhook(body.encode(), sign(body, secret="whsec_a"), "whsec_a")["id"] == "evt_1"
    with pytest.raises(WebhookSignatureError):
        verify_webhook(body.encode(), sign(body, secret="whsec_b"), "whsec_a")
    with pytest.raises(WebhookSignatureError):
        verify_webhook(
            body.encode(), sign(body, secret="whsec_a", timestamp=int(time.time()) - 600), "whsec_a"
        )
    with pytest.raises(WebhookSignatureError):
        verify_webhook(body.encode(), sign(body, secret="whsec_a"), "")


def test_it_chooses_stripe_only_when_a_secret_key_is_set(settings):
    from billing.gateways import OfflineGateway, get_gateway, stripe_configured

    settings.STRIPE_SECRET_KEY = ""
    assert isinstance(get_gateway(), OfflineGateway)
    assert stripe_configured() is False

    settings.STRIPE_SECRET_KEY = "sk_test_abc"
    settings.STRIPE_API_BASE = API_BASE
    chosen = get_gateway()
    assert isinstance(chosen, StripeGateway)
    assert stripe_configured() is True
    assert chosen.client._requestor._options.base_addresses["api"] == API_BASE
