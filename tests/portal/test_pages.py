"""What the portal's pages show and what its actions change, with the history naming the
contact who made each change through the portal."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from crm.models import Affiliation, Contact, Membership, MembershipPlanChange
from crm.services.benefits import benefit_use
from portal.models import PortalAccount
from tests.factories import BenefitFactory, BenefitGrantFactory
from tests.portal.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_it_shows_the_membership_at_a_glance_with_what_is_due(portal_world):
    client = signed_in(portal_world.billing.contact)
    page = client.get(f"/members/{portal_world.organization.pk}/").content.decode()

    assert "Small Business" in page and "Active" in page
    assert f"December 31, {portal_world.paid_invoice.issue_date.year}" in page
    assert 'id="renewal-amount">$600.00' in page
    assert 'id="total-due">$600.00' in page
    assert portal_world.open_invoice.number in page
    assert "Leadership Investor" in page and "Quarterly investor briefings" in page


def test_it_shows_the_benefits_granted_used_and_left_this_term(portal_world):
    seats = BenefitGrantFactory(plan=portal_world.membership.plan, level=None, quantity=4)
    benefit_use(organization=portal_world.organization, benefit=seats.benefit)
    listing = BenefitFactory(name="Featured listing", kind="directory", counted=False, event_tag="")
    BenefitGrantFactory(plan=portal_world.membership.plan, level=None, benefit=listing, quantity=1)
    client = signed_in(portal_world.plain.contact)  # any contact of the organization

    page = client.get(f"/members/{portal_world.organization.pk}/").content.decode()

    table = page[page.index('id="benefits"') :]
    assert re.search(
        rf"{seats.benefit.name}</td>\s*<td class=\"num\">4</td>\s*<td class=\"num\">1</td>"
        r"\s*<td class=\"num\">3</td>",
        table,
    )
    assert re.search(
        r"Featured listing</td>\s*<td class=\"num\">yes</td>\s*<td class=\"num\">not yet", table
    )
    assert "<form" not in table.split("</table>")[0]  # read-only


def test_it_hides_the_money_from_a_contact_without_the_billing_role(portal_world):
    client = signed_in(portal_world.plain.contact)
    page = client.get(f"/members/{portal_world.organization.pk}/").content.decode()

    assert "Small Business" in page and "Active" in page
    assert "What is due" not in page and "renewal-amount" not in page
    assert "/invoices/" not in page


def test_it_lists_invoices_with_their_pdfs_and_receipts(portal_world):
    client = signed_in(portal_world.billing.contact)
    org = portal_world.organization.pk
    page = client.get(f"/members/{org}/invoices/").content.decode()

    assert portal_world.paid_invoice.number in page and portal_world.open_invoice.number in page
    assert f"/members/{org}/invoices/{portal_world.paid_invoice.pk}/pdf/" in page
    assert f"/members/{org}/payments/{portal_world.payment.pk}/receipt/" in page
    pdf = client.get(f"/members/{org}/invoices/{portal_world.paid_invoice.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert pdf["Cache-Control"] == "private, no-store"
    receipt = client.get(f"/members/{org}/payments/{portal_world.payment.pk}/receipt/")
    assert receipt.content.startswith(b"%PDF-")


def test_it_links_an_invoice_to_stripes_page_to_pay_it(portal_world):
    invoice = portal_world.open_invoice
    invoice.stripe_invoice_id = "in_1MtHbELkdIwHu7ixl4OzzPMv"
    invoice.stripe_hosted_url = "https://invoice.stripe.com/i/acct_1/test_YWNjdF8x"
    invoice.save(update_fields=["stripe_invoice_id", "stripe_hosted_url"])
    client = signed_in(portal_world.billing.contact)
    org = portal_world.organization.pk

    for path in (f"/members/{org}/", f"/members/{org}/invoices/"):
        page = client.get(path).content.decode()
        assert 'href="https://invoice.stripe.com/i/acct_1/test_YWNjdF8x"' in page


def test_it_shows_the_statement_of_account(portal_world):
    client = signed_in(portal_world.primary.contact)
    page = client.get(f"/members/{portal_world.organization.pk}/statement/").content.decode()

    assert portal_world.paid_invoice.number in page and portal_world.open_invoice.number in page
    assert 'id="balance-due">$600.00' in page
    assert "No annual dues statement is available yet." in page
    # The same statement as the admin's, with its running balance and the PDF both print.
    assert 'id="running-balance">$600.00' in page
    pdf = client.get(f"/members/{portal_world.organization.pk}/statement/pdf/")
    assert f"/members/{portal_world.organization.pk}/statement/pdf/" in page
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_it_prints_the_annual_dues_statement_of_a_year_with_its_setting(portal_world):
    from decimal import Decimal

    from crm.models import DuesDeductibility

    client = signed_in(portal_world.billing.contact)
    org = portal_world.organization.pk
    year = portal_world.paid_invoice.issue_date.year
    refused = client.get(f"/members/{org}/statement/{year}/pdf/", follow=True)
    assert refused.redirect_chain == [(f"/members/{org}/statement/", 302)]
    assert f"No non-deductible share is set for {year}" in refused.content.decode()

    DuesDeductibility.objects.create(year=year, non_deductible_percent=Decimal("12.5"))
    assert (
        f"/members/{org}/statement/{year}/pdf/"
        in client.get(f"/members/{org}/statement/").content.decode()
    )
    pdf = client.get(f"/members/{org}/statement/{year}/pdf/")
    assert pdf.content.startswith(b"%PDF-")


def test_it_saves_own_details_as_made_by_the_contact_in_the_portal(portal_world):
    contact = portal_world.plain.contact
    client = signed_in(contact)
    response = client.post(
        "/members/me/",
        {"first_name": "Patricia", "last_name": "Rivera", "phone": "860-555-0142", "title": "CFO"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.first_name, contact.phone, contact.title) == ("Patricia", "860-555-0142", "CFO")
    latest = contact.history.latest()
    assert latest.history_user == PortalAccount.objects.get(contact=contact).user
    assert latest.history_change_reason == "Member portal, Pat Rivera: Changed their own details"


def test_it_refuses_empty_names_and_changes_nothing(portal_world):
    contact = portal_world.plain.contact
    response = signed_in(contact).post("/members/me/", {"first_name": "", "last_name": "X"})
    assert response.status_code == 400
    assert b"This field is required." in response.content
    contact.refresh_from_db()
    assert contact.last_name == "Rivera"


def test_it_invites_a_colleague_who_gets_a_sign_in_link(
    portal_world, django_capture_on_commit_callbacks
):
    organization = portal_world.organization
    client = signed_in(portal_world.primary.contact)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/members/{organization.pk}/colleagues/",
            {
                "first_name": "Ivy",
                "last_name": "Nguyen",
                "email": "Ivy@FrontStreet.example.com",
                "is_event_contact": "on",
            },
        )
    assert response.status_code == 302
    ivy = Contact.objects.get(email="ivy@frontstreet.example.com")
    affiliation = Affiliation.objects.get(contact=ivy, organization=organization)
    assert affiliation.is_event_contact and not affiliation.is_billing
    (message,) = mail.outbox
    assert message.to == ["ivy@frontstreet.example.com"]
    assert "Dana Rivera invited you" in message.subject
    assert "/members/sign-in/" in message.body
    assert affiliation.history.latest().history_change_reason.startswith("Member portal, Dana")


def test_it_refuses_to_invite_someone_already_there(portal_world):
    organization = portal_world.organization
    client = signed_in(portal_world.primary.contact)
    response = client.post(
        f"/members/{organization.pk}/colleagues/",
        {"first_name": "Bea", "last_name": "R", "email": portal_world.billing.contact.email},
    )
    assert response.status_code == 400
    assert b"is already at Front Street Bakery" in response.content
    assert mail.outbox == []


def test_it_removes_a_colleague_but_not_oneself(portal_world):
    org = portal_world.organization.pk
    client = signed_in(portal_world.primary.contact)
    client.post(f"/members/{org}/colleagues/{portal_world.plain.pk}/remove/")
    assert not Affiliation.objects.filter(pk=portal_world.plain.pk).exists()
    assert Contact.objects.filter(pk=portal_world.plain.contact_id).exists()

    response = client.post(
        f"/members/{org}/colleagues/{portal_world.primary.pk}/remove/", follow=True
    )
    assert b"You cannot remove yourself" in response.content
    assert Affiliation.objects.filter(pk=portal_world.primary.pk).exists()


def test_it_moves_the_primary_role(portal_world):
    org = portal_world.organization.pk
    client = signed_in(portal_world.primary.contact)
    client.post(f"/members/{org}/colleagues/{portal_world.billing.pk}/make-primary/")

    portal_world.primary.refresh_from_db()
    portal_world.billing.refresh_from_db()
    assert portal_world.billing.is_primary and portal_world.billing.is_billing
    assert not portal_world.primary.is_primary
    # The former primary representative no longer manages colleagues.
    assert client.get(f"/members/{org}/colleagues/").status_code == 403


def test_it_lets_a_contact_choose_among_several_organizations(portal_world):
    from tests.factories import AffiliationFactory

    AffiliationFactory(
        contact=portal_world.primary.contact,
        organization=portal_world.other_organization,
        is_primary=False,
    )
    page = signed_in(portal_world.primary.contact).get("/members/").content.decode()
    assert "Choose the organization" in page
    assert f"/members/{portal_world.organization.pk}/" in page
    assert f"/members/{portal_world.other_organization.pk}/" in page


def test_it_lists_the_organization_in_the_directory_as_changed_by_its_representative(
    portal_world,
):
    organization = portal_world.organization
    client = signed_in(portal_world.primary.contact)
    response = client.post(
        f"/members/{organization.pk}/directory/",
        {
            "directory_listed": "on",
            "directory_text": "  Bread and pastries since 1921.  ",
            "website": organization.website,
        },
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.directory_listed
    assert organization.directory_text == "Bread and pastries since 1921."
    latest = organization.history.latest()
    assert latest.history_change_reason == (
        "Member portal, Dana Rivera: Directory listing changed: listed, description"
    )
    assert (
        latest.history_user == PortalAccount.objects.get(contact=portal_world.primary.contact).user
    )

    listed = Client().get("/api/v1/public/directory/").json()
    (member,) = [m for m in listed["results"] if m["name"] == "Front Street Bakery"]
    assert member["description"] == "Bread and pastries since 1921."

    client.post(f"/members/{organization.pk}/directory/", {"directory_text": "x"})
    organization.refresh_from_db()
    assert not organization.directory_listed
    listed = Client().get("/api/v1/public/directory/").json()
    assert "Front Street Bakery" not in [m["name"] for m in listed["results"]]


def test_it_refuses_a_description_over_2000_characters(portal_world):
    organization = portal_world.organization
    response = signed_in(portal_world.primary.contact).post(
        f"/members/{organization.pk}/directory/",
        {"directory_listed": "on", "directory_text": "x" * 2001},
    )
    assert response.status_code == 400
    assert b"at most 2000 characters" in response.content
    organization.refresh_from_db()
    assert not organization.directory_listed


def test_it_upgrades_the_plan_now_for_what_the_quote_said(portal_world):
    from decimal import Decimal

    org = portal_world.organization.pk
    client = signed_in(portal_world.primary.contact)
    page = client.get(f"/members/{org}/plan/").content.decode()
    assert "Business" in page and "Upgrade to Business now" in page
    quoted = re.search(r'id="plan-business">.*?class="amount">\$([\d,.]+) now', page, re.S)
    assert quoted, page

    response = client.post(f"/members/{org}/plan/", {"plan": portal_world.bigger_plan.pk})
    assert response.status_code == 302
    membership = Membership.objects.get(pk=portal_world.membership.pk)
    assert membership.plan == portal_world.bigger_plan
    change = MembershipPlanChange.objects.get(membership=membership)
    assert change.kind == "upgrade" and change.invoice.status == "open"
    assert change.invoice.total == Decimal(quoted.group(1).replace(",", ""))
    assert change.by == PortalAccount.objects.get(contact=portal_world.primary.contact).user
    followed = client.get(response["Location"]).content.decode()
    assert f"Invoice {change.invoice.number} for the rest of the year" in followed


def test_it_moves_to_a_cheaper_plan_at_the_renewal(portal_world):
    from tests.factories import PlanFactory

    cheaper = PlanFactory(code="starter", name="Starter", flat_amount="400.00")
    org = portal_world.organization.pk
    client = signed_in(portal_world.primary.contact)
    assert "Move to Starter at renewal" in client.get(f"/members/{org}/plan/").content.decode()

    client.post(f"/members/{org}/plan/", {"plan": cheaper.pk})
    membership = Membership.objects.get(pk=portal_world.membership.pk)
    assert membership.plan.name == "Small Business"  # until the renewal
    change = MembershipPlanChange.objects.get(membership=membership)
    assert change.status == "pending" and change.to_plan == cheaper
    assert change.effective_date == membership.paid_through + timedelta(days=1)
    page = client.get(f"/members/{org}/plan/").content.decode()
    assert "moves to the Starter plan at the renewal" in page
    # The renewal's quote follows the move.
    glance = client.get(f"/members/{org}/").content.decode()
    assert 'id="renewal-amount">$400.00' in glance


@pytest.mark.parametrize("choice", ["own", "not offered", "x", "9" * 30])
def test_it_refuses_a_plan_not_offered_and_changes_nothing(portal_world, choice):
    from tests.factories import PlanFactory

    hidden = PlanFactory(code="municipal", name="Municipal", offered_publicly=False)
    value = {
        "own": portal_world.membership.plan_id,
        "not offered": hidden.pk,
        "x": "x",
        "9" * 30: "9" * 30,
    }[choice]
    org = portal_world.organization.pk
    client = signed_in(portal_world.primary.contact)
    response = client.post(f"/members/{org}/plan/", {"plan": value}, follow=True)
    assert "Choose one of the plans below." in response.content.decode()
    assert not MembershipPlanChange.objects.exists()


def test_it_cancels_ones_own_registration(portal_world):
    registration = portal_world.registration
    assert registration.status == "confirmed"
    client = signed_in(portal_world.primary.contact)
    page = client.get("/members/me/").content.decode()
    assert "Cancel my registration for Members&#x27; Coffee" in page

    response = client.post(f"/members/me/registrations/{registration.pk}/cancel/", follow=True)
    assert "Your registration for Members&#x27; Coffee is cancelled." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    assert registration.status_reason == "Cancelled by the registrant in the member portal."


def test_it_refuses_to_cancel_a_colleagues_registration_as_missing(portal_world):
    registration = portal_world.registration
    client = signed_in(portal_world.billing.contact)
    theirs = client.post(f"/members/me/registrations/{registration.pk}/cancel/")
    missing = client.post("/members/me/registrations/999999/cancel/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_it_shows_each_pledge_with_its_schedule_and_what_is_due_on_it(portal_world):
    from billing.services import invoice_create_for_installment, invoice_issue
    from crm.models import Pledge

    pledge = Pledge.objects.get(organization=portal_world.organization)
    first, second, *_rest = pledge.installments.order_by("number")
    first.settled_outside = True
    first.save(update_fields=["settled_outside"])
    invoice = invoice_issue(invoice=invoice_create_for_installment(installment=second))
    billing = signed_in(portal_world.billing.contact)

    page = billing.get(f"/members/{portal_world.organization.pk}/").content.decode()

    schedule = page[page.index(f'id="pledge-{pledge.pk}-schedule"') :]
    schedule = schedule[: schedule.index("</table>")]
    assert schedule.count("<tr>") == 1 + pledge.installments.count()  # the header and each one
    assert "Paid before it was entered here" in schedule
    assert f"Invoice {invoice.number}: $1,500.00 due" in schedule
    assert "Not invoiced yet" in schedule
    # Someone without the organization's money sees the pledge, not its invoices.
    plain = signed_in(portal_world.plain.contact)
    page = plain.get(f"/members/{portal_world.organization.pk}/").content.decode()
    assert "Leadership Investor" in page and "-schedule" not in page
