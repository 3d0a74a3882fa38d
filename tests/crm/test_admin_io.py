import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from crm.models import Contact, Membership, Note, Organization
from tests.factories import (
    AffiliationFactory,
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    PlanFactory,
)

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("admin:crm_organization_export")


def export(client, query: str, fmt: str) -> bytes:
    page = client.get(f"{EXPORT_URL}?{query}")
    assert page.status_code == 200
    form = page.context["form"]
    formats = dict((label, value) for value, label in form.fields["format"].choices)
    data = {"format": formats[fmt], "resource": "0"}
    data |= {name: "on" for name in form.fields if name.startswith("organizationresource_")}
    response = client.post(f"{EXPORT_URL}?{query}", data)
    assert response.status_code == 200, response.content[:500]
    return response.content


@pytest.fixture
def counties():
    for name in ("Hartford One", "Hartford Two"):
        OrganizationFactory(name=name, county="hartford")
    tolland = [OrganizationFactory(name=n, county="tolland") for n in ("Tolland A", "Tolland B")]
    MembershipFactory(organization=tolland[0], status=Membership.Status.ACTIVE)
    return tolland


def test_it_exports_exactly_the_filtered_organizations_as_csv(client_for, counties):
    content = export(client_for("Read-only"), "county__exact=tolland", "csv")

    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert sorted(row["name"] for row in rows) == ["Tolland A", "Tolland B"]
    assert {row["name"]: row["membership status"] for row in rows} == {
        "Tolland A": "active",
        "Tolland B": "",
    }


def test_it_exports_exactly_the_filtered_organizations_as_excel(client_for, counties):
    content = export(client_for("Membership"), "membership_status=active", "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header, *rows = list(sheet.values)
    names = [row[header.index("name")] for row in rows]
    assert names == ["Tolland A"]


def test_it_exports_the_contact_list_with_organizations(client_for):
    AffiliationFactory(organization__name="Shop", contact__email="ann@shop.example")
    client = client_for("Read-only")
    url = reverse("admin:crm_contact_export")
    form = client.get(url).context["form"]
    data = {"format": "0", "resource": "0"}
    data |= {name: "on" for name in form.fields if name.startswith("contactresource_")}

    rows = list(csv.DictReader(io.StringIO(client.post(url, data).content.decode("utf-8-sig"))))

    assert [(r["email"], r["organizations"]) for r in rows] == [("ann@shop.example", "Shop")]


def test_it_refuses_export_to_staff_who_cannot_view_the_list(client_for):
    client = client_for("Events")

    assert client.get(reverse("admin:crm_pledge_export")).status_code == 403
    assert client.get(reverse("admin:crm_organization_export")).status_code == 200


ROSTER = (
    "Organization,Contact,Email,Roles,Plan,Status,Paid through\n"
    "Acme LLC,Ann Park,ann@acme.example,primary,gold,active,2026-12-31\n"
    "Acme,Bo Li,bo@,billing,,,\n"
)


def upload(client, text: str = ROSTER):
    url = reverse("admin:crm_organization_import_roster")
    return client.post(url, {"file": io.BytesIO(text.encode()) | _named("roster.csv")})


class _named:
    def __init__(self, name: str) -> None:
        self.name = name

    def __ror__(self, buffer: io.BytesIO) -> io.BytesIO:
        buffer.name = self.name
        return buffer


def test_it_shows_the_dry_run_row_by_row_then_imports_on_confirmation(client_for):
    PlanFactory(code="gold")
    client = client_for("Membership")

    checked = upload(client)

    assert checked.status_code == 200
    report = checked.context["report"]
    assert report.dry_run
    assert [(r.number, r.outcome.value) for r in report.rows] == [(2, "created"), (3, "refused")]
    assert "&#x27;bo@&#x27; is not a valid email address." in checked.content.decode()
    assert not Organization.objects.exists()

    done = client.post(reverse("admin:crm_organization_import_roster"), {"confirm": "1"})

    assert not done.context["report"].dry_run
    assert Organization.objects.get().name == "Acme LLC"
    assert Membership.objects.get().status == Membership.Status.ACTIVE
    again = upload(client).context["report"]
    assert [r.outcome.value for r in again.rows] == ["unchanged", "refused"]


def test_it_says_why_a_file_cannot_be_read(client_for):
    page = upload(client_for("Membership"), "Name\nAcme\n")

    assert page.context["report"] is None
    assert "The file has no organization column" in page.content.decode()


def test_it_asks_for_the_file_again_when_the_confirmation_has_none(client_for):
    response = client_for("Membership").post(
        reverse("admin:crm_organization_import_roster"), {"confirm": "1"}
    )

    assert response.status_code == 302
    assert not Organization.objects.exists()


def test_it_lets_only_staff_who_may_add_and_change_records_import(client_for):
    url = reverse("admin:crm_contact_import_roster")

    assert client_for("Read-only").get(url).status_code == 403
    assert client_for("Finance").get(url).status_code == 403
    assert client_for("Membership").get(url).status_code == 200


def test_it_lists_duplicates_with_merge_links_and_merges_on_confirmation(client_for):
    keep = OrganizationFactory(name="Acme Hardware")
    remove = OrganizationFactory(name="ACME Hardware, LLC")
    MembershipFactory(organization=remove, status=Membership.Status.ACTIVE)
    client = client_for("Membership")

    report = client.get(reverse("admin:crm_organization_duplicates"))
    merge_url = reverse("admin:crm_organization_merge") + f"?keep={keep.pk}&remove={remove.pk}"
    assert merge_url.replace("&", "&amp;") in report.content.decode()
    confirm = client.get(merge_url)
    assert ("memberships", 1) in confirm.context["counts"]

    done = client.post(
        reverse("admin:crm_organization_merge"), {"keep": keep.pk, "remove": remove.pk}
    )

    assert done.status_code == 302
    assert not Organization.objects.filter(pk=remove.pk).exists()
    assert Membership.objects.get().organization == keep
    assert Note.objects.get(organization=keep).body.startswith("Merged ACME Hardware, LLC")


def test_it_shows_why_a_merge_is_refused_and_changes_nothing(client_for):
    keep = MembershipFactory(status=Membership.Status.ACTIVE).organization
    remove = MembershipFactory(status=Membership.Status.GRACE).organization
    client = client_for("Membership")

    page = client.post(
        reverse("admin:crm_organization_merge"), {"keep": keep.pk, "remove": remove.pk}, follow=True
    )

    assert "Not merged: Both organizations have an open membership" in page.content.decode()
    assert Organization.objects.filter(pk=remove.pk).exists()


def test_it_merges_two_selected_contacts_from_the_list(client_for):
    first = ContactFactory(first_name="Jane", last_name="Doe")
    second = ContactFactory(first_name="Jane", last_name="Doe")
    client = client_for("Membership")

    picked = client.post(
        reverse("admin:crm_contact_changelist"),
        {"action": "merge_selected", "_selected_action": [first.pk, second.pk]},
    )
    assert picked.status_code == 302
    client.post(picked.url.split("?")[0], {"keep": first.pk, "remove": second.pk})

    assert list(Contact.objects.all()) == [first]


def test_it_refuses_the_merge_pages_to_read_only_staff(client_for):
    client = client_for("Read-only")

    assert client.get(reverse("admin:crm_organization_duplicates")).status_code == 200
    assert client.get(reverse("admin:crm_organization_merge")).status_code == 403


def test_it_shows_the_data_tools_on_the_organization_list(client_for):
    page = client_for("Membership").get(reverse("admin:crm_organization_changelist"))

    html = page.content.decode()
    for url in ("import_roster", "duplicates", "export"):
        assert reverse(f"admin:crm_organization_{url}") in html
