"""Invoices, receipts, annual statements and donor acknowledgements as PDF, with the dues
deductibility notice (IRC 6033(e))."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from billing import documents, services
from billing.models import Invoice, Payment
from crm.models import DuesDeductibility, Membership
from crm.services import pledge_create
from tests.billing.stripe_payloads import committed
from tests.factories import InvestorLevelFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

YEAR = date.today().year


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def notice_2026(db):
    return DuesDeductibility.objects.create(year=YEAR, non_deductible_percent=Decimal("12.5"))


@pytest.fixture
def open_invoice(approved_membership) -> Invoice:
    invoice = services.invoice_create_for_membership(membership=approved_membership)
    with committed():
        return services.invoice_issue(invoice=invoice)


def test_it_works_out_the_notice_from_the_dues_lines_rounded_half_up(notice_2026):
    # 12.5% of $300.00 is $37.50; of $300.04 it is $37.505, which rounds half up to $37.51.
    assert notice_2026.non_deductible_amount(Decimal("300.00")) == Decimal("37.50")
    assert notice_2026.non_deductible_amount(Decimal("300.04")) == Decimal("37.51")
    assert notice_2026.notice(Decimal("300.00")) == (
        "Of your dues, 12.5% ($37.50) is not deductible as a business expense because it is "
        "used for lobbying and political activities (Internal Revenue Code section 6033(e))."
    )


def test_it_refuses_wording_with_an_unknown_placeholder(notice_2026):
    from django.core.exceptions import ValidationError

    notice_2026.wording = "Of your dues {share} is not deductible."
    with pytest.raises(ValidationError):
        notice_2026.full_clean()


def test_it_prints_the_invoice_with_totals_instructions_and_the_notice(open_invoice, notice_2026):
    text = text_of(documents.invoice_pdf(invoice=open_invoice))

    assert open_invoice.number in text
    assert "Front Street Bakery" in text
    assert "$600.00" in text and "-$300.00" in text  # the dues line and the proration credit
    assert "Amount due $300.00" in text
    assert "Amount paid $0.00" in text
    assert "Pay by check" in text  # no Stripe: the payment instructions
    assert "185 Asylum St., Ste. 111, Hartford, CT 06103" in text  # the chamber's address
    # The notice: 12.5% of the $300.00 of dues lines.
    assert "Of your dues, 12.5% ($37.50) is not deductible" in text


def test_it_prints_no_notice_without_a_setting_for_the_year(open_invoice):
    text = text_of(documents.invoice_pdf(invoice=open_invoice))

    assert "not deductible" not in text


def test_it_refuses_to_print_a_draft(approved_membership):
    draft = services.invoice_create_for_membership(membership=approved_membership)

    with pytest.raises(documents.DocumentUnavailable):
        documents.invoice_pdf(invoice=draft)


def test_it_mails_the_notice_with_the_invoice_and_the_receipt(approved_membership, notice_2026):
    invoice = services.invoice_create_for_membership(membership=approved_membership)
    with committed():
        invoice = services.invoice_issue(invoice=invoice)
    with committed():
        services.payment_record_offline(
            invoice=invoice, method="cash", amount=Decimal("300.00"), received_on=date.today()
        )

    issued, receipt = mail.outbox
    for message in (issued, receipt):
        assert "Of your dues, 12.5% ($37.50) is not deductible" in message.body
        assert "12.5% ($37.50)" in message.alternatives[0][0]


def test_it_prints_a_receipt_for_a_partial_offline_payment(open_invoice, notice_2026):
    with committed():
        payment = services.payment_record_offline(
            invoice=open_invoice,
            method="check",
            amount=Decimal("120.00"),
            received_on=date.today(),
            check_number="1047",
        )

    text = text_of(documents.receipt_pdf(payment=payment))

    assert "RECEIPT" in text and open_invoice.number in text
    assert "check 1047" in text
    assert "$120.00" in text  # what was actually paid
    assert "Still due $180.00" in text
    assert "12.5% ($37.50)" in text


def test_it_gives_no_receipt_for_a_failed_payment(open_invoice):
    payment = Payment.objects.create(
        invoice=open_invoice,
        method=Payment.Method.CARD,
        status=Payment.Status.FAILED,
        amount=Decimal("300.00"),
        gl_account="1050",
    )

    with pytest.raises(documents.DocumentUnavailable):
        documents.receipt_pdf(payment=payment)


def test_it_states_the_dues_paid_in_a_year_and_their_non_deductible_share(
    open_invoice, notice_2026
):
    with committed():
        services.payment_record_offline(
            invoice=open_invoice, method="cash", amount=Decimal("300.00"), received_on=date.today()
        )
    organization = open_invoice.organization

    statement = documents.annual_statement(organization=organization, year=YEAR)
    text = text_of(documents.annual_statement_pdf(organization=organization, year=YEAR))

    assert statement.dues_paid == Decimal("300.00")
    assert statement.non_deductible == Decimal("37.50")
    assert f"Dues paid in {YEAR} $300.00" in text
    assert "Not deductible (12.5%) $37.50" in text
    assert "Of your dues, 12.5% ($37.50) is not deductible" in text


def test_it_needs_the_years_setting_for_a_statement(open_invoice):
    with pytest.raises(
        documents.DocumentUnavailable, match=f"No non-deductible share is set for {YEAR}"
    ):
        documents.annual_statement(organization=open_invoice.organization, year=YEAR)


def test_it_writes_the_years_statements_with_the_command(open_invoice, notice_2026, tmp_path):
    with committed():
        services.payment_record_offline(
            invoice=open_invoice, method="cash", amount=Decimal("300.00"), received_on=date.today()
        )
    out = io.StringIO()

    call_command("dues_statements", str(YEAR), "--output", str(tmp_path), stdout=out)

    files = list(tmp_path.glob("*.pdf"))
    assert len(files) == 1
    assert "Front Street Bakery" in text_of(files[0].read_bytes())
    assert "1 statement" in out.getvalue()


# --- the foundation's acknowledgement ---------------------------------------------------------


def _paid_installment(level, annual="1000.00"):
    organization = OrganizationFactory(name="Riverside Insurance")
    from tests.factories import AffiliationFactory

    AffiliationFactory(
        organization=organization, contact__email="cfo@riverside.example.com", is_billing=True
    )
    pledge = pledge_create(
        organization=organization,
        level=level,
        annual_amount=Decimal(annual),
        start_date=date.today(),
        term_years=1,
        installments_per_year=1,
    )
    installment = pledge.installments.get()
    invoice = services.invoice_create_for_installment(installment=installment)
    with committed():
        invoice = services.invoice_issue(invoice=invoice)
        payment = services.payment_record_offline(
            invoice=invoice, method="wire", amount=invoice.total, received_on=date.today()
        )
    return invoice, payment


def test_it_acknowledges_a_gift_through_the_foundation_with_the_benefits_value():
    level = InvestorLevelFactory(
        name="Partner",
        minimum_annual_amount=Decimal("100"),
        through_foundation=True,
        benefits_value=Decimal("150.00"),
    )
    mail.outbox.clear()

    invoice, payment = _paid_installment(level)

    acknowledgement = documents.donor_acknowledgement(invoice=invoice, payment=payment)
    assert acknowledgement.amount == Decimal("1000.00")
    assert acknowledgement.benefits_value == Decimal("150.00")
    assert acknowledgement.deductible == Decimal("850.00")
    text = text_of(documents.acknowledgement_pdf(payment=payment))
    assert "Riverside Insurance" in text and "$1,000.00" in text
    assert "estimated fair market value of $150.00" in text
    sent = [m for m in mail.outbox if "Acknowledgement" in m.subject]
    assert len(sent) == 1 and sent[0].to == ["cfo@riverside.example.com"]
    assert "$1,000.00" in sent[0].body and "$150.00" in sent[0].body


def test_it_says_no_goods_or_services_were_provided_when_the_benefits_are_worth_nothing():
    level = InvestorLevelFactory(
        name="Friend", minimum_annual_amount=Decimal("100"), through_foundation=True
    )

    _invoice, payment = _paid_installment(level, annual="500.00")

    text = text_of(documents.acknowledgement_pdf(payment=payment))
    assert "No goods or services were provided" in text


def test_it_sends_no_acknowledgement_for_an_investment_in_the_chamber_itself():
    level = InvestorLevelFactory(name="Chairman's Circle", minimum_annual_amount=Decimal("100"))
    mail.outbox.clear()

    invoice, payment = _paid_installment(level)

    assert documents.donor_acknowledgement(invoice=invoice, payment=payment) is None
    assert not [m for m in mail.outbox if "Acknowledgement" in m.subject]
    with pytest.raises(documents.DocumentUnavailable):
        documents.acknowledgement_pdf(payment=payment)
    assert Membership.objects.count() == 0


# --- the admin ----------------------------------------------------------------------------------


def test_it_offers_the_pdfs_on_the_invoice_and_organization_pages(
    client_for, open_invoice, notice_2026
):
    with committed():
        payment = services.payment_record_offline(
            invoice=open_invoice, method="cash", amount=Decimal("300.00"), received_on=date.today()
        )
    client = client_for("Read-only")

    page = client.get(f"/admin/billing/invoice/{open_invoice.pk}/change/").content.decode()
    assert f"/admin/billing/invoice/{open_invoice.pk}/pdf/" in page
    assert f"/admin/billing/payment/{payment.pk}/receipt/" in page
    pdf = client.get(f"/admin/billing/invoice/{open_invoice.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert "Amount due $0.00" in text_of(pdf.content)
    receipt = client.get(f"/admin/billing/payment/{payment.pk}/receipt/")
    assert "Still due $0.00" in text_of(receipt.content)

    organization = open_invoice.organization
    page = client.get(f"/admin/crm/organization/{organization.pk}/change/").content.decode()
    assert f"/admin/crm/organization/{organization.pk}/dues-statement/?year={YEAR}" in page
    statement = client.get(
        f"/admin/crm/organization/{organization.pk}/dues-statement/", {"year": YEAR}
    )
    assert "Not deductible (12.5%) $37.50" in text_of(statement.content)


def test_a_join_mails_its_first_invoice_with_the_notice(notice_2026):
    from rest_framework.test import APIClient

    from tests.api.public_helpers import JOIN, join_body
    from tests.factories import BracketPlanFactory

    BracketPlanFactory(code="business", requires_review=False)
    mail.outbox.clear()

    with committed():
        response = APIClient().post(JOIN, join_body("business"), format="json")

    assert response.status_code == 201, response.json()
    invoice_mail = next(m for m in mail.outbox if "Invoice" in m.subject)
    assert "Of your dues, 12.5% ($" in invoice_mail.body
