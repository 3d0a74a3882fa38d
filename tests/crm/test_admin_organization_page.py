"""The organization's admin page, with rows of every kind it shows (every timeline source,
every panel, every inline), runs a fixed number of queries, whatever their number. (The page
of a plain member, for every role: tests/crm/test_admin.py.)"""

import re

import pytest

from crm.roles import EVENTS, FINANCE, MEMBERSHIP, READ_ONLY
from tests.crm.organization_page import busy_organization
from tests.crm.test_admin import _get

pytestmark = pytest.mark.django_db

# The session, the user and its permissions (4); the organization (1); its directory
# categories (1), and those to choose from for roles that may change it (1); the inlines (7:
# confirmed and pending affiliations, memberships, credit entries, notes, mail, interactions;
# Events sees four of them); its benefits this term (4: the membership, the pledges, the grants
# and the uses), read once for the benefits table and the engagement score; the rest of the
# engagement score (2: one for its events, payments, membership and sign-ins, one for its open
# invoices); the timeline (1, every source); the years with a dues deductibility setting (1);
# the portal activity (1).
QUERIES = {MEMBERSHIP: 22, FINANCE: 21, EVENTS: 18, READ_ONLY: 21}
KINDS = {
    "membership",
    "plan",
    "note",
    "interaction",
    "mail",
    "invoice",
    "payment",
    "refund",
    "dispute",
    "event",
}


@pytest.mark.parametrize("role", list(QUERIES))
def test_a_busy_organizations_page_shows_everything_in_a_fixed_number_of_queries(client_for, role):
    organization = busy_organization(2)

    response, count = _get(client_for(role), f"/admin/crm/organization/{organization.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert set(re.findall(r'<tr class="timeline-(\w+)"', html)) == KINDS
    activity = html.split('id="portal-activity"', 1)[1].split("</table>", 1)[0]
    for what in ("Signed in", "Organization:", "Colleague:", "Own details:", "Directory change:"):
        assert what in activity
    assert "Membership: Member portal" in activity
    assert html.count("decide=confirm") == 2  # the pending links
    assert count == QUERIES[role]


def test_it_runs_as_many_queries_with_ten_rows_of_each_kind_as_with_two(client_for):
    client = client_for(MEMBERSHIP)
    two, ten = busy_organization(2), busy_organization(10)
    _, with_two = _get(client, f"/admin/crm/organization/{two.pk}/change/")

    response, with_ten = _get(client, f"/admin/crm/organization/{ten.pk}/change/")

    html = response.content.decode()
    assert html.count('<tr class="timeline-dispute"') == 10
    assert html.count("decide=confirm") == 10
    assert with_ten == with_two == QUERIES[MEMBERSHIP]
