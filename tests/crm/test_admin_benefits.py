"""The admin's benefits: the organization page's granted, used and left this term with its
one-click "Record one use", and the report of benefits used by investor level."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import BenefitUsage, Pledge
from crm.services.benefits import benefit_use
from tests.factories import BenefitGrantFactory, PledgeFactory

pytestmark = pytest.mark.django_db


def _investor(quantity, name="Riverfront Bakery", grant=None):
    grant = grant or BenefitGrantFactory(quantity=quantity)
    pledge = PledgeFactory(
        organization__name=name,
        level=grant.level,
        status=Pledge.Status.CONFIRMED,
        start_date=timezone.localdate() - timedelta(days=30),
        term_years=2,
    )
    return pledge.organization, grant


def test_it_records_one_use_in_one_click_from_the_organization_page(client_for):
    organization, grant = _investor(quantity=2)
    client = client_for("Membership")
    url = f"/admin/crm/organization/{organization.pk}/change/"

    page = client.get(url).content.decode()
    used = client.post(
        f"/admin/crm/organization/{organization.pk}/benefits/use/",
        {"benefit": grant.benefit.pk, "name": organization.name},
        follow=True,
    )

    assert "Benefits this term" in page and "Record one use" in page
    assert used.redirect_chain[-1][0] == url
    assert f"Recorded: {organization} used {grant.benefit} once." in used.content.decode()
    usage = BenefitUsage.objects.get()
    assert (usage.organization, usage.quantity, usage.source) == (organization, 1, "staff")
    assert usage.recorded_by is not None and usage.recorded_by.is_staff


def test_it_says_why_a_use_is_refused_and_records_nothing(client_for):
    organization, grant = _investor(quantity=1)
    benefit_use(organization=organization, benefit=grant.benefit)
    client = client_for("Membership")

    refused = client.post(
        f"/admin/crm/organization/{organization.pk}/benefits/use/",
        {"benefit": grant.benefit.pk},
        follow=True,
    )

    assert "0 left" in refused.content.decode()
    assert BenefitUsage.objects.count() == 1
    assert (
        "Record one use"
        not in client.get(f"/admin/crm/organization/{organization.pk}/change/").content.decode()
    )  # nothing left to record


def test_it_shows_the_table_without_buttons_to_who_may_not_record(client_for):
    organization, _ = _investor(quantity=2)

    page = client_for("Read-only").get(f"/admin/crm/organization/{organization.pk}/change/")

    text = page.content.decode()
    assert "Benefits this term" in text and "<th>left</th>" in text
    assert "Record one use" not in text


def test_it_reports_the_use_by_level_with_who_used_least_first(client_for):
    busy, grant = _investor(quantity=4, name="Busy Bees Inc")
    _investor(quantity=4, name="Idle Hands LLC", grant=grant)
    benefit_use(organization=busy, benefit=grant.benefit, quantity=3)

    page = client_for("Finance").get("/admin/reports/benefits/")
    csv = client_for("Finance").get("/admin/reports/benefits/?format=csv").content.decode()

    assert page.status_code == 200
    row = next(line for line in csv.splitlines() if line.startswith(grant.level.name))
    assert row == (f"{grant.level.name},2,8,3,37,Idle Hands LLC (0 of 4); Busy Bees Inc (3 of 4)")
