"""A list asked for with none of its filters is not run through its FilterSet (api/filters/
backends.py): the same rows as through it, and the same answers to every filter asked."""

import pytest

from api.filters.crm import ContactFilter
from tests.api.staff.test_lists import BUILDERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_api(superuser):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(superuser)
    return client


@pytest.fixture
def built(monkeypatch):
    """How many ContactFilter sets the requests build."""
    count = {"n": 0}
    original = ContactFilter.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        count["n"] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(ContactFilter, "__init__", counting)
    return count


def test_a_list_without_a_filter_builds_no_filterset(superuser_api, built):
    BUILDERS["contacts"]()
    BUILDERS["contacts"]()

    listed = superuser_api.get("/api/v1/contacts/?page_size=5&search=&ordering=-created&page=1")
    assert listed.status_code == 200 and listed.json()["count"] == 2
    assert built["n"] == 0

    primary = superuser_api.get("/api/v1/contacts/?role=primary")
    assert primary.status_code == 200 and built["n"] == 1
    assert primary.json()["count"] == 2  # each contact is one organization's primary

    empty = superuser_api.get("/api/v1/contacts/?role=")  # named, empty: no filter, as before
    assert empty.status_code == 200 and empty.json()["count"] == 2 and built["n"] == 2


@pytest.mark.parametrize(
    "query", ["created_after=yesterday", "modified_since=2026-13-01", "organization=0"]
)
def test_a_bad_filter_value_is_still_refused(superuser_api, query):
    response = superuser_api.get(f"/api/v1/contacts/?{query}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [query.split("=")[0]]


@pytest.mark.parametrize("endpoint", sorted(BUILDERS))
def test_every_list_is_the_same_through_its_filterset_and_without(superuser_api, endpoint):
    """`created_after` at the epoch is a filter every staff list has and no row fails: through
    the FilterSet and without it, the same answer."""
    for _ in range(3):
        BUILDERS[endpoint]()

    plain = superuser_api.get(f"/api/v1/{endpoint}/")
    filtered = superuser_api.get(f"/api/v1/{endpoint}/?created_after=1970-01-01T00:00:00Z")

    assert plain.status_code == filtered.status_code == 200
    assert plain.json()["results"] and plain.json()["count"] == filtered.json()["count"]
    assert plain.json()["results"] == filtered.json()["results"]


def test_each_filterset_class_makes_its_form_class_once_and_forms_stay_apart():
    from django.http import QueryDict

    from api.filters.crm import OrganizationFilter
    from crm.models import Contact, Organization

    first = ContactFilter(QueryDict("role=primary"), queryset=Contact.objects.all())
    second = ContactFilter(QueryDict("role=nobody"), queryset=Contact.objects.all())
    other = OrganizationFilter(QueryDict("county=tolland"), queryset=Organization.objects.all())

    assert type(first.form) is type(second.form)
    assert type(other.form) is not type(first.form)
    assert set(other.form.fields) == set(OrganizationFilter.base_filters)
    assert first.form.fields["role"] is not second.form.fields["role"]
    assert first.is_valid() and not second.is_valid()
    assert list(second.errors) == ["role"] and first.errors == {}


def test_each_filterset_has_its_own_filters_and_a_method_filter_calls_its_own_filterset():
    from django.http import QueryDict

    from api.filters.crm import OrganizationFilter
    from crm.models import Organization

    first = OrganizationFilter(QueryDict("status=active"), queryset=Organization.objects.all())
    second = OrganizationFilter(QueryDict("county=tolland"), queryset=Organization.objects.all())

    for name, base in OrganizationFilter.base_filters.items():
        assert first.filters[name] is not base and first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert not hasattr(base, "parent")  # the class's own filters are never handed out
    status_first, status_second = first.filters["status"], second.filters["status"]
    assert status_first.filter.method.__self__ is first
    assert status_second.filter.method.__self__ is second
    assert first.form.fields["county"] is not second.form.fields["county"]
