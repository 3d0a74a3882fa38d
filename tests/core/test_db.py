"""core.db: `built_once` (a selector built once, handed out as a fresh copy each time) and
`values_of` (a values() statement compiled once a shape, read as the ORM reads it)."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from core.db import built_once, values_of
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_a_selector_built_once_hands_out_a_fresh_unevaluated_copy_each_time():
    from crm.models import Organization
    from crm.selectors import organization_list

    first = organization_list()
    assert list(first) == []
    OrganizationFactory(name="Acme")
    narrowed = organization_list().filter(name="Nobody")

    second = organization_list()
    assert first is not second and first.query is not second.query
    assert [o.name for o in second] == ["Acme"]  # nothing kept from the first's evaluation
    assert list(narrowed) == [] and second.query.where != narrowed.query.where
    assert str(organization_list().query) == str(second.query)
    assert second[0].membership_status is None  # the annotations are the list's own
    assert isinstance(second[0], Organization)


def test_built_once_builds_once():
    built = []

    @built_once
    def selector():
        built.append(1)
        from crm.models import Organization

        return Organization.objects.all()

    assert selector() is not selector()
    assert built == [1]


# values_of: a values() statement compiled once a shape ---------------------------------------


def _orm(queryset, fields, annotations=None):
    return list(queryset.annotate(**(annotations or {})).values(*fields))


def _compilations(monkeypatch):
    """How many times the ORM compiles a whole statement from here on."""
    from django.db.models.sql.compiler import SQLCompiler

    calls = []
    compile_whole = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        calls.append(1)
        return compile_whole(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return calls


@pytest.fixture
def _unchecked(monkeypatch):
    """The suite compares every statement with the ORM's (conftest); these tests count the
    ORM's compilations, so they turn the comparison off and compare the rows instead."""
    import core.db

    monkeypatch.setattr(core.db, "CHECK_AGAINST_ORM", False)
    core.db._statements.clear()


@pytest.mark.usefixtures("_unchecked")
def test_values_of_reads_what_the_orm_reads_and_compiles_a_shape_once(monkeypatch):
    from django.db.models import Count, OuterRef, Subquery

    from crm.models import Membership, Organization

    for name, city in (("Acme", "Hartford"), ("Beta", "Avon"), ("Cobalt", "Hartford")):
        MembershipFactory(organization=OrganizationFactory(name=name, city=city))
    plan_price = Subquery(
        Membership.objects.filter(organization=OuterRef("pk"))
        .order_by("-id")
        .values("plan__flat_amount")[:1]
    )
    fields = ["id", "name", "city", "created", "plan_price"]
    annotations = {"plan_price": plan_price}
    listed = Organization.objects.order_by("name", "id")
    compiled = _compilations(monkeypatch)

    in_hartford = values_of(listed.filter(city="Hartford")[:10], fields, annotations)
    assert compiled != []  # the first of its shape: the statement and its subquery
    assert in_hartford == _orm(listed.filter(city="Hartford")[:10], fields, annotations)
    assert [row["name"] for row in in_hartford] == ["Acme", "Cobalt"]
    assert in_hartford[0]["plan_price"] == Decimal("600.00")  # the column's converters ran
    assert in_hartford[0]["created"].tzinfo is not None

    del compiled[:]
    in_avon = values_of(listed.filter(city="Avon")[:10], fields, annotations)
    assert compiled == []  # the same shape, another value: nothing compiled
    assert [row["name"] for row in in_avon] == ["Beta"]

    # Another WHERE clause, another order, another slice, none: each its own shape, then kept.
    for queryset in (
        listed.filter(city__in=["Avon", "Hartford"])[:10],
        listed.filter(city="Hartford").order_by("-name")[1:10],
        listed,
    ):
        del compiled[:]
        first = values_of(queryset, fields, annotations)
        assert compiled != []
        del compiled[:]
        again = values_of(queryset, fields, annotations)
        assert compiled == []
        assert first == again == _orm(queryset, fields, annotations)

    # No row can match: no statement at all, as the ORM.
    with CaptureQueriesContext(connection) as captured:
        assert values_of(listed.filter(pk__in=[]), fields) == []
    assert captured.captured_queries == []

    # A shape left to the ORM (grouped): its answer, compiled every time.
    grouped = listed.annotate(held=Count("memberships"))
    del compiled[:]
    assert values_of(grouped, ["name", "held"]) == _orm(grouped, ["name", "held"])
    assert len(compiled) == 2  # the ORM's, in values_of and in the comparison


@pytest.mark.usefixtures("_unchecked")
def test_a_shape_that_cannot_be_split_is_tried_once_then_left_to_the_orm(monkeypatch):
    import core.db
    from crm.models import Organization

    OrganizationFactory(name="Acme", city="Hartford")
    tried = []

    def unsplittable(queryset, connection):  # as when the WHERE mark is not found once
        tried.append(1)

    monkeypatch.setattr(core.db, "_compile", unsplittable)
    queryset = Organization.objects.filter(city="Hartford").order_by("name")

    first = values_of(queryset, ["id", "name"])
    again = values_of(queryset, ["id", "name"])

    assert first == again == _orm(queryset, ["id", "name"])
    assert tried == [1]


@pytest.mark.usefixtures("_unchecked")
def test_values_of_keeps_a_bounded_number_of_shapes(monkeypatch):
    import core.db
    from crm.models import Organization

    OrganizationFactory(name="Acme")
    monkeypatch.setattr(core.db, "KEPT_STATEMENTS", 3)
    for offset in range(5):
        values_of(Organization.objects.order_by("id")[offset : offset + 10], ["id"])
    assert len(core.db._statements[connections["default"]]) == 3


def test_the_suite_checks_each_statement_against_the_orms(monkeypatch):
    """The comparison conftest turns on fails when a kept statement is not the ORM's."""
    import core.db
    from crm.models import Organization

    assert core.db.CHECK_AGAINST_ORM
    core.db._statements.clear()
    OrganizationFactory(name="Acme")
    queryset = Organization.objects.filter(city="Hartford").order_by("name")
    values_of(queryset, ["id", "name"])
    [(key, kept)] = core.db._statements[connections["default"]].items()
    core.db._statements[connections["default"]][key] = replace(kept, tail=kept.tail + " DESC")
    with pytest.raises(AssertionError, match="compiled once"):
        values_of(queryset, ["id", "name"])


def test_in_array_matches_as_in_does_with_one_parameter_on_postgresql():
    from crm.models import Organization

    acme, beta, _ = (OrganizationFactory(name=n) for n in ("Acme", "Beta", "Cobalt"))
    for ids in ([acme.pk, beta.pk], [beta.pk], [acme.pk, None], [None], []):
        listed = Organization.objects.order_by("name")
        expected = list(listed.filter(pk__in=ids).values_list("name", flat=True))
        with CaptureQueriesContext(connection) as captured:
            found = list(listed.filter(pk__in_array=ids).values_list("name", flat=True))
        assert found == expected
        if not expected:
            assert captured.captured_queries == []  # as __in: nothing can match, nothing sent
        elif connection.vendor == "postgresql":
            [query] = captured.captured_queries
            assert '"crm_organization"."id" = ANY(' in query["sql"] and "::bigint[]" in query["sql"]
    # Through a relation, and a subquery for the values: as __in.
    MembershipFactory(organization=acme)
    from crm.models import Membership

    held = Membership.objects.values("organization")
    assert list(Organization.objects.filter(pk__in_array=held)) == [acme]
    assert list(Membership.objects.filter(organization__in_array=[acme.pk])) == list(
        Membership.objects.filter(organization=acme)
    )


def test_count_of_and_values_sql_agree_with_the_orm():
    from core.db import count_of, values_sql
    from crm.models import Organization

    for name, city in (("Acme", "Hartford"), ("Beta", "Avon"), ("Cobalt", "Hartford")):
        OrganizationFactory(name=name, city=city)
    for queryset in (
        Organization.objects.all(),
        Organization.objects.filter(city="Hartford"),
        Organization.objects.filter(city="Hartford")[:1],
        Organization.objects.filter(city="Nowhere"),
        Organization.objects.filter(pk__in=[]),
    ):
        assert count_of(queryset) == queryset.count()
        assert count_of(queryset) == queryset.count()  # kept, and still right
    # The text the ORM would send (the suite's comparison, conftest, checks each call too).
    in_avon = Organization.objects.filter(city="Avon").order_by("name")
    sql, params = in_avon.values("pk").query.sql_with_params()
    assert values_sql(in_avon, ["pk"]) == (sql, tuple(params))
