"""The screens staff use every day (issue 18), in Chromium at 1400 px and 390 px: the application
review page (approved from the page), recording a payment on the invoice page (refused, the form
kept as typed, then recorded), and the plan change preview before confirming. Each keeps
screenshots under test-artifacts/."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Invoice, Payment
from billing.services import invoice_create_for_membership, invoice_issue
from crm.models import Membership, MembershipPlanChange
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import (
    AffiliationFactory,
    BracketPlanFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase"
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400", "390"])

# Whether an element's content is wider than the element (cut off, or scrolled sideways).
OVERFLOWS = "(el) => el.scrollWidth > el.clientWidth + 1"


@pytest.fixture
def staff(superuser):
    superuser.set_password(PASSWORD)
    superuser.save()
    return superuser


def _signed_in(open_page, staff, viewport, path):
    page = open_page(viewport)
    page.goto(f"/admin/login/?next={path}")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def _organization(name: str, employees: int):
    organization = OrganizationFactory(
        name=name,
        employees=employees,
        phone="860-555-0142",
        address_line1="185 Asylum St.",
        city="Hartford",
        postal_code="06103",
    )
    slug = name.split()[0].lower()
    AffiliationFactory(
        organization=organization,
        is_primary=True,
        is_billing=True,
        contact__first_name="Rosa",
        contact__last_name="Diaz",
        contact__email=f"rosa@{slug}.example",
        contact__phone="860-555-0100",
    )
    return organization


def _invoiced(membership: Membership) -> Invoice:
    return invoice_issue(invoice=invoice_create_for_membership(membership=membership))


@VIEWPORTS
def test_staff_review_an_application_and_approve_it_from_its_page(
    open_page, screenshot, staff, viewport
):
    plan = PlanFactory(name="Small Business", flat_amount="600.00", proration="none")
    for name in ("Elm Street Dental Partners of Greater Hartford", "Riverside Dental"):
        membership = MembershipFactory(
            organization=_organization(name, 12),
            plan=plan,
            status=Membership.Status.APPLIED,
            source=Membership.Source.WEBSITE,
            start_date=timezone.localdate(),
            needs_attention=True,
            match_note="Linked to an existing organization: same name as a record made in "
            "2019 by the membership team, with the same website domain and the same phone.",
        )
        invoice = _invoiced(membership)
    page = _signed_in(open_page, staff, viewport, "/admin/crm/application/")

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Riverside Dental")  # the newest first
    screenshot(page, "applications-to-review")
    if viewport == DESKTOP:
        results = page.locator("#changelist .results")
        widths = results.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
        assert not results.evaluate(OVERFLOWS), f"columns cut off: {widths}"

    rows.first.get_by_role("link", name="Riverside Dental").click()
    review = page.locator("#application-review")
    for shown in (
        "Rosa Diaz",
        "rosa@riverside.example",
        "860-555-0100",
        "185 Asylum St., Hartford, CT 06103",
        "12",
        "Small Business",
        f"Invoice {invoice.number}",
        "amount due $600.00",
    ):
        expect(review).to_contain_text(shown)
    expect(review.get_by_label("Reason for the rejection (sent to the applicant)")).to_be_visible()
    screenshot(page, "application-review")
    assert not review.evaluate(OVERFLOWS), "the review panel is cut off"

    review.get_by_role("button", name="Approve").click()

    expect(page.locator(".messagelist")).to_contain_text("Riverside Dental: application approved.")
    expect(page).to_have_url(re.compile(r"/admin/crm/application/$"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).not_to_contain_text("Riverside Dental")
    screenshot(page, "approved-and-gone-from-the-queue")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED


@VIEWPORTS
def test_finance_records_a_check_on_the_invoice_page_after_a_refusal(
    open_page, screenshot, staff, viewport
):
    membership = MembershipFactory(
        organization=_organization("Front Street Bakery", 12),
        plan=PlanFactory(name="Small Business", flat_amount="600.00", proration="none"),
        status=Membership.Status.APPROVED,
        start_date=timezone.localdate(),
    )
    invoice = _invoiced(membership)
    received = (timezone.localdate() - timedelta(days=2)).isoformat()
    page = _signed_in(open_page, staff, viewport, f"/admin/billing/invoice/{invoice.pk}/change/")

    form = page.locator("#record-payment")
    expect(form).to_contain_text("$600.00 is due")
    expect(page.get_by_role("link", name="Printable invoice (PDF)")).to_be_visible()
    form.get_by_label("Amount").fill("250.00")
    form.get_by_label("Received on").fill(received)
    form.get_by_label("Method").select_option("check")
    form.get_by_label("Memo").fill("handed in at the front desk")
    form.get_by_role("button", name="Record payment").click()

    form = page.locator("#record-payment")
    expect(form.locator(".payment-field-check_number .errorlist")).to_have_text(
        "Enter the check number."
    )
    expect(form.get_by_label("Amount")).to_have_value("250.00")
    expect(form.get_by_label("Received on")).to_have_value(received)
    expect(form.get_by_label("Method")).to_have_value("check")
    expect(form.get_by_label("Memo")).to_have_value("handed in at the front desk")
    assert not Payment.objects.exists()
    form.scroll_into_view_if_needed()
    screenshot(page, "payment-refused-form-kept")

    form.get_by_label("Check number or reference").fill("5521")
    form.get_by_role("button", name="Record payment").click()

    expect(page.locator(".messagelist")).to_contain_text(
        f"Payment recorded on invoice {invoice.number}."
    )
    expect(page.locator("#record-payment")).to_contain_text("$350.00 is due")
    screenshot(page, "payment-recorded")
    payment = Payment.objects.get()
    assert (payment.amount, payment.check_number) == (Decimal("250.00"), "5521")


@VIEWPORTS
def test_staff_see_the_plan_change_preview_before_confirming(
    open_page, screenshot, staff, viewport
):
    small = BracketPlanFactory(
        name="Small Business",
        billing_cycle="anniversary",
        proration="none",
        cap=None,
        brackets=[(5, "395.00"), (50, "995.00")],
        max_employees=50,
    )
    business = BracketPlanFactory(
        name="Business",
        billing_cycle="anniversary",
        proration="none",
        cap=None,
        brackets=[(100, "1450.00"), (250, "2750.00")],
        min_employees=51,
        max_employees=250,
    )
    membership = MembershipFactory(
        organization=_organization("Three Person Firm", 3),
        plan=small,
        status=Membership.Status.ACTIVE,
    )
    today = timezone.localdate()
    Membership.objects.filter(pk=membership.pk).update(
        start_date=today - timedelta(days=300), paid_through=today + timedelta(days=64)
    )
    page = _signed_in(open_page, staff, viewport, "/admin/crm/membership/")

    page.locator(f"input[name=_selected_action][value='{membership.pk}']").check()
    page.locator("select[name=action]").select_option("change_plan")
    page.get_by_role("button", name=re.compile("^Go$|^Run$")).click()
    page.get_by_label("Plan").select_option(str(business.pk))
    page.get_by_role("button", name="Preview the charge").click()

    preview = page.locator(".plan-change-preview")
    # $1,055.00 more a year, for the 65 days left of the membership year.
    expect(preview).to_contain_text(re.compile(r"\$1,055\.00 × 65/36[56] = \$18\d\.\d\d"))
    charged = re.search(r"Charged now: \$([\d.]+)", preview.inner_text()).group(1)
    expect(preview.locator(".warning")).to_contain_text(
        "The Business plan is meant for 51 to 250 employees; this organization has 3 employees."
    )
    assert not preview.evaluate(OVERFLOWS), "the preview is cut off"
    assert not MembershipPlanChange.objects.exists()
    screenshot(page, "plan-change-preview")

    page.get_by_role("button", name="Confirm the change").click()

    expect(page.locator(".messagelist")).to_contain_text("1 changed.")
    screenshot(page, "plan-changed")
    assert MembershipPlanChange.objects.get().invoice.total == Decimal(charged)
