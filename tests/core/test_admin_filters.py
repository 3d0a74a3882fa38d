"""The admin's lists of a column's values, read one index probe a value (core/admin/filters.py)."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core.admin.filters import IndexedValuesFieldListFilter, distinct_values
from crm.models import EmailLog, Organization
from tests.factories import AffiliationFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizations(db):
    for name, industry, code in [
        ("Acme", "Manufacturing", "06103"),
        ("Brio", "Legal", "06457"),
        ("Cove", "Manufacturing", ""),
        ("Dune", "", "06103"),
        ("Echo", "Zoning", "06002"),
        ("Fern", "legal", "06457"),
    ]:
        OrganizationFactory(name=name, industry=industry, postal_code=code)


def _distinct(field: str, *, skip_blank: bool = False) -> list:
    rows = Organization.objects.order_by(field).values_list(field, flat=True).distinct()
    return [value for value in rows if value is not None and not (skip_blank and value == "")]


def test_the_values_are_selects_distinct_in_the_same_order(organizations):
    assert distinct_values(Organization, "industry") == _distinct("industry")
    assert distinct_values(Organization, "industry")[0] == ""  # the blank is a value
    assert distinct_values(Organization, "postal_code", skip_blank=True) == [
        "06002",
        "06103",
        "06457",
    ]
    assert distinct_values(Organization, "postal_code", skip_blank=True) == _distinct(
        "postal_code", skip_blank=True
    )
    Organization.objects.filter(name__in=["Acme", "Brio"]).update(employees=None)
    Organization.objects.filter(name__in=["Cove", "Dune", "Echo", "Fern"]).update(employees=12)
    assert distinct_values(Organization, "employees") == [12]  # NULL is left out


def test_an_empty_table_and_a_field_that_is_no_column_are_answered_plainly(db):
    assert distinct_values(Organization, "industry") == []
    with pytest.raises(ValueError, match="not a column"):
        distinct_values(Organization, "directory_categories")


@pytest.mark.postgres
def test_each_value_is_an_index_probe_not_a_read_of_the_table(organizations):
    """With sequential scans priced out (as at a size where they are slow) the statement reads
    the column's B-tree: a probe for each value, never the table, and never a sort."""
    with CaptureQueriesContext(connection) as captured:
        distinct_values(Organization, "postal_code", skip_blank=True)
    (statement,) = captured.captured_queries
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "crm_org_postal_code" in plan, plan
    assert "Seq Scan on crm_organization" not in plan, plan
    assert "Sort" not in plan and "Unique" not in plan and "HashAggregate" not in plan, plan


def test_the_organization_and_contact_admins_list_their_values_by_probes(organizations, client_for):
    """The organizations' industries and the contacts' ZIP codes are the same choices as
    before, read without SELECT DISTINCT; choosing one still narrows the list."""
    AffiliationFactory(organization=Organization.objects.get(name="Echo"))
    client = client_for("Membership")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/crm/organization/")
    assert response.status_code == 200
    page = response.content.decode()
    for industry in ["Legal", "Manufacturing", "Zoning", "legal"]:
        assert f"?industry={industry}" in page, industry
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in sql if "SELECT DISTINCT" in s], sql
    assert any("WITH RECURSIVE" in s and '"industry"' in s for s in sql)
    narrowed = client.get("/admin/crm/organization/", {"industry": "Zoning"})
    assert narrowed.context["cl"].result_count == 1

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/crm/contact/")
    page = response.content.decode()
    for code in ["06002", "06103", "06457"]:
        assert f"?zip={code}" in page, code
    assert "?zip=&" not in page and '?zip="' not in page  # no blank code
    assert not [q for q in captured.captured_queries if "SELECT DISTINCT" in q["sql"]]
    assert client.get("/admin/crm/contact/", {"zip": "06002"}).context["cl"].result_count == 1


def test_the_mail_logs_templates_are_its_choices(client_for):
    for template in ["renewal_reminder", "invoice", "renewal_reminder", "welcome"]:
        EmailLog.objects.create(recipients="a@example.com", subject="s", template=template)
    client = client_for("Membership")
    response = client.get("/admin/crm/emaillog/")
    page = response.content.decode()
    assert [t for t in ["invoice", "renewal_reminder", "welcome"] if f"?template={t}" in page] == [
        "invoice",
        "renewal_reminder",
        "welcome",
    ]
    assert (
        client.get("/admin/crm/emaillog/", {"template": "welcome"}).context["cl"].result_count == 1
    )


@pytest.mark.parametrize("path", ["employees", "account_owner__username"])
def test_the_filter_refuses_a_nullable_column_or_one_through_a_relation(superuser, path):
    """Its choices leave NULL out and read the listed table only: such a column is refused
    when the admin builds its filters, not listed wrong."""
    request = RequestFactory().get("/admin/crm/organization/")
    request.user = superuser
    field = get_fields_from_path(Organization, path)[-1]
    with pytest.raises(ImproperlyConfigured, match=path):
        IndexedValuesFieldListFilter(
            field, request, {}, Organization, admin.site._registry[Organization], path
        )
