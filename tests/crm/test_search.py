"""The staff lists' search (crm.search) finds the same records whichever way it reads them: a
record's own search text in one predicate, a rare term's ids united from index scans, a common
term's rows tested as the list's order is walked. On PostgreSQL each way is forced by the number
of ids a search may read (``STAFF_API_EXACT_COUNT_LIMIT``); SQLite unites the columns' ids."""

import re
from decimal import Decimal

import pytest
from django.db.models import Q

from billing.models import Invoice
from crm.models import Affiliation, Contact, Organization
from crm.search import indexed_search
from events.models import Registration
from tests.factories import TicketTypeFactory

pytestmark = pytest.mark.django_db

ORGANIZATION_FIELDS = ["name", "website", "email_domain", "city", "postal_code"]
INVOICE_FIELDS = ["number", "reference", "organization__name", "stripe_invoice_id"]
REGISTRATION_FIELDS = [
    "reference",
    "contact__first_name",
    "contact__last_name",
    "contact__email",
    "organization__name",
    "organization_name",
]
ADMIN_ORGANIZATION_FIELDS = ["name", "website", "email_domain", "postal_code", "contacts__email"]


@pytest.fixture
def world(db):
    names = ["Precision Tool", "Riverfront Bakery", "Hartford Precision Optics", "Elm Street Deli"]
    organizations = [
        Organization.objects.create(
            name=f"{names[i % 4]} {i}",
            website=f"https://shop{i}.example.com",
            city="Wethersfield" if i % 5 == 0 else "Hartford",
            postal_code="06109" if i % 5 == 0 else "06103",
        )
        for i in range(24)
    ]
    contacts = [
        Contact.objects.create(
            first_name="Ana",
            last_name="Garcia" if i % 3 == 0 else f"Smith{i}",
            email=f"person{i}@precision-mail.example.com" if i % 4 == 1 else f"p{i}@x.example",
            phone=f"860-555-01{i:02d}",
        )
        for i in range(24)
    ]
    for i, (organization, contact) in enumerate(zip(organizations, contacts, strict=True)):
        Affiliation.objects.create(organization=organization, contact=contact, is_primary=True)
        Invoice.objects.create(
            organization=organization,
            contact=contact,
            kind="dues",
            status="open",
            total=Decimal("495.00"),
            reference=f"PO-PRECISION-{i}" if i % 7 == 0 else f"PO-{i}",
        )
    ticket = TicketTypeFactory(capacity=100)
    for i, contact in enumerate(contacts):
        Registration.objects.create(
            event=ticket.event,
            ticket_type=ticket,
            contact=contact,
            organization=organizations[i] if i % 2 else None,
            organization_name="" if i % 2 else f"Typed Garcia Co {i}",
            quantity=1,
            status="confirmed",
            price_each=Decimal("35.00"),
            total=Decimal("35.00"),
        )


def _either(fields, term):
    found = Q()
    for field in fields:
        found |= Q(**{f"{field}__icontains": term})
    return found


CASES = [
    (Organization, ORGANIZATION_FIELDS, ["precision"]),
    (Organization, ORGANIZATION_FIELDS, ["wethersfield", "precision"]),
    (Organization, ORGANIZATION_FIELDS, ["06109"]),
    (Organization, ADMIN_ORGANIZATION_FIELDS, ["precision-mail"]),
    (Organization, ADMIN_ORGANIZATION_FIELDS, ["bakery"]),
    (Contact, ["first_name", "last_name", "email", "phone"], ["garcia"]),
    (Contact, ["first_name", "last_name", "email", "organizations__name"], ["precision"]),
    (Invoice, INVOICE_FIELDS, ["precision"]),
    (Invoice, INVOICE_FIELDS, ["bakery"]),
    (Invoice, INVOICE_FIELDS, ["nowhere"]),
    (Registration, REGISTRATION_FIELDS, ["garcia"]),
    (Registration, REGISTRATION_FIELDS, ["precision"]),
    (Registration, REGISTRATION_FIELDS, ["ana", "deli"]),
]


@pytest.mark.parametrize("limit", [1000, 2])  # 2: every common term walks the list's order
@pytest.mark.parametrize(("model", "fields", "terms"), CASES)
def test_it_finds_what_an_or_of_the_columns_finds(world, settings, limit, model, fields, terms):
    settings.STAFF_API_EXACT_COUNT_LIMIT = limit
    expected = model.objects.all()
    for term in terms:
        expected = expected.filter(_either(fields, term)).distinct()
    found = indexed_search(model.objects.order_by("-pk"), fields, terms)
    rows = list(found.values_list("pk", flat=True))
    assert len(rows) == len(set(rows)), "a record listed twice"
    assert sorted(rows) == sorted(expected.values_list("pk", flat=True))
    assert rows == sorted(rows, reverse=True), "the list's order is kept"


@pytest.mark.postgres
def test_a_registrations_contact_is_searched_by_its_whole_text(world):
    """Several columns of the registration's contact are searched as the contact's text: its
    phone number too (PostgreSQL; the SQLite search keeps to the columns named)."""
    contact = Contact.objects.get(phone="860-555-0107")
    found = indexed_search(Registration.objects.all(), REGISTRATION_FIELDS, ["555-0107"])
    assert list(found.values_list("contact", flat=True)) == [contact.pk]


@pytest.mark.postgres
@pytest.mark.parametrize("index", ["crm_org_search_text_trgm", "crm_contact_search_text_trgm"])
def test_the_search_texts_are_sampled_finely_for_the_planner(db, index):
    """The planner reads a term's share of a search text from 1,000 histogram entries, not 100
    (crm/migrations/0020): the lists choose how to read a searched page, and what count to show,
    by that estimate. Applied to the index's expression, so ANALYZE keeps it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1",
            [index],
        )
        assert cursor.fetchone() == (1000,)


def test_trigrams_unavailable_leaves_the_migration_usable(db):
    """A database that refuses pg_trgm (no permission) makes the search-text migrations skip
    their indexes; the refusal is undone by its savepoint, so the migration goes on."""
    from django.db import connection

    from crm.search import trigrams_available

    class RefusingEditor:
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_for_pg_trgm")

    class Editor(RefusingEditor):
        def execute(self, sql: str) -> None:
            self.sql = sql

    assert trigrams_available(RefusingEditor()) is False
    assert Organization.objects.count() == 0  # the transaction is still usable
    editor = Editor()
    assert trigrams_available(editor) is True
    assert editor.sql == "CREATE EXTENSION IF NOT EXISTS pg_trgm"


def _paginated(queryset, per_page=5, count_first=False):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.pagination import EstimatedCountPaginator

    paginator = EstimatedCountPaginator(queryset, per_page)
    with CaptureQueriesContext(connection) as captured:
        if count_first:
            paginator.count  # noqa: B018
        page = paginator.page(1)
        rows = list(page.object_list)
    return paginator, rows, [q["sql"] for q in captured.captured_queries]


@pytest.mark.postgres
def test_a_searched_list_is_counted_without_asking_the_planner(world, settings):
    """A search that read its matching ids knows the list holds at most that many: the count is
    asked exactly, the planner's estimate is not."""
    found = indexed_search(Invoice.objects.order_by("-pk"), INVOICE_FIELDS, ["bakery"])
    paginator, rows, sql = _paginated(found)
    assert not any(s.startswith("EXPLAIN") for s in sql), sql
    assert paginator.count == 6 and not paginator.count_is_estimate
    assert len(rows) == 5


@pytest.mark.postgres
def test_a_common_term_on_a_whole_list_is_not_counted(world, settings):
    """A term that alone matched more than the limit on an unfiltered list: the count is the
    planner's estimate (at least the limit and one), no COUNT reads the matches; a filter added
    after the search, or a second term, and the list is counted again."""
    settings.STAFF_API_EXACT_COUNT_LIMIT = 2
    found = indexed_search(Invoice.objects.order_by("-pk"), INVOICE_FIELDS, ["precision"])
    paginator, rows, sql = _paginated(found)
    assert not any("COUNT(" in s for s in sql), sql
    assert paginator.count_is_estimate and paginator.count >= 3
    expected = Invoice.objects.filter(_either(INVOICE_FIELDS, "precision")).order_by("-pk")
    assert [r.pk for r in rows] == list(expected.values_list("pk", flat=True)[:5])

    narrowed = found.filter(organization__city="Wethersfield")
    two_terms = indexed_search(Invoice.objects.all(), INVOICE_FIELDS, ["precision", "optics"])
    # Both searched at the limit of 2, both counted at 1,000: a planner's estimate of a few
    # rows above 2 * 2 (its statistics move as autovacuum analyzes the table in a long run)
    # would otherwise decide, not the mark the first search left.
    settings.STAFF_API_EXACT_COUNT_LIMIT = 1000
    paginator, rows, sql = _paginated(narrowed)
    assert any("COUNT(" in s for s in sql), sql
    assert paginator.count == expected.filter(organization__city="Wethersfield").count()

    paginator, rows, sql = _paginated(two_terms)
    assert any("COUNT(" in s for s in sql), sql


CONTACT_FIELDS = ["first_name", "last_name", "email", "phone"]


def _sorted_rows(model, fields, term, order):
    """The pks an OR of `fields` finds for `term`, in `order`: what every search must give."""
    matching = model.objects.filter(_either(fields, term)).distinct()
    return list(matching.order_by(*order).values_list("pk", flat=True))


def _sorted_contacts(term: str) -> list[int]:
    return _sorted_rows(Contact, CONTACT_FIELDS, term, ("last_name", "first_name", "pk"))


UNWALKED_ORDER = """ORDER BY ("crm_contact"."last_name" || '') ASC"""


def _plan(queryset) -> str:
    """The plan PostgreSQL picks for `queryset` when it could walk an index for its order
    (sequential scans priced out, as at a size where they would be slow)."""
    from django.db import connection, transaction

    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize("limit", [1000, 2])  # 2: the count is the planner's estimate
def test_a_searched_own_text_page_is_read_by_sorting_its_matches(world, settings, limit):
    """A list searched on its own text (contacts) reads its page in an order no index gives,
    when the matches are few enough to sort: a last name's sit together in the order, and the
    walk of the order's index would pass every name before them. The rows are the same, in the
    list's order, and no statement beyond the page's own is sent. (Counted first, as the admin
    counts: a page asked for first is read with its count, below.)"""
    settings.STAFF_API_EXACT_COUNT_LIMIT = limit
    queryset = Contact.objects.order_by("last_name", "first_name", "pk")
    found = indexed_search(queryset, CONTACT_FIELDS, ["garcia"])

    paginator, rows, sql = _paginated(found, count_first=True)

    assert UNWALKED_ORDER in sql[-1], sql[-1]  # the page
    # Before it, the planner's rows and the count (up to the limit) as the estimate decides;
    # nothing else (no transaction, no setting).
    assert all(s.split()[0] in ("EXPLAIN", "SELECT") for s in sql), sql
    assert paginator.count_is_estimate == (limit == 2)
    assert [r.pk for r in rows] == _sorted_contacts("garcia")[:5]
    # A term whose matches do not come first in the list's order: the page is its matches.
    # A list that already names its table (the API's and the admin's have annotations).
    listed = Contact.objects.filter(pk__gt=0).order_by("last_name", "first_name", "pk")
    for count_first in (True, False):  # as the admin asks, and as the staff API does
        smiths = indexed_search(listed, CONTACT_FIELDS, ["smith1"])
        paginator, rows, sql = _paginated(smiths, count_first=count_first)
        assert "LIKE" in sql[-1] or "LIKE" in sql[-2], sql
        assert [r.pk for r in rows] == _sorted_contacts("smith1")[:5]
        assert paginator.count == len(_sorted_contacts("smith1")) or paginator.count_is_estimate


@pytest.mark.postgres
@pytest.mark.parametrize("limit", [1000, 2])  # 2: more matches than the limit, counted exactly
def test_a_sorted_searchs_page_and_count_are_read_by_one_statement(world, settings, limit):
    """A search whose matches are sorted, and few enough to be counted, has them sorted and
    counted by one statement (`COUNT(*) OVER ()`) that keeps the page's ids; the page's rows
    are then read by those ids, in the list's order. The count would have read up to the limit
    of them and the page every one again. A page past the last is counted and refused."""
    from django.core.paginator import EmptyPage
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.pagination import EstimatedCountPaginator, uncounted_past

    settings.STAFF_API_EXACT_COUNT_LIMIT = limit
    expected = _sorted_contacts("garcia")
    assert len(expected) > 2 * 2

    def paginator() -> EstimatedCountPaginator:
        queryset = Contact.objects.order_by("last_name", "first_name", "pk")
        found = EstimatedCountPaginator(indexed_search(queryset, CONTACT_FIELDS, ["garcia"]), 2)
        found.__dict__["_where_planned"] = uncounted_past()  # as planned: within the margin
        return found

    counted = paginator()
    with CaptureQueriesContext(connection) as captured:
        page = counted.page(2)
        rows = [contact.pk for contact in page.object_list]
    sql = [q["sql"] for q in captured.captured_queries]

    assert rows == expected[2:4]
    assert counted.count == len(expected) and not counted.count_is_estimate
    assert page.has_next() and page.has_previous()
    assert len(sql) == 2, sql  # the ids with the count, then the rows
    assert "OVER ()" in sql[0] and UNWALKED_ORDER in sql[0], sql[0]
    by_ids = " = ANY(" if connection.vendor == "postgresql" else " IN ("  # core.db.InArray
    assert "OVER" not in sql[1] and f'"crm_contact"."id"{by_ids}' in sql[1], sql[1]
    number = (len(expected) + 1) // 2
    last = paginator().page(number)
    assert [c.pk for c in last.object_list] == expected[(number - 1) * 2 :]
    assert not last.has_next()
    with pytest.raises(EmptyPage):
        paginator().page(len(expected) // 2 + 2)
    with pytest.raises(EmptyPage):
        paginator().page(0)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "order",
    [
        ("last_name", "first_name", "pk"),
        ("-last_name", "pk"),
        ("email",),
        ("-created", "-pk"),
        ("pk",),
        ("-pk",),
    ],
)
def test_the_unwalked_order_is_the_order_and_no_index_gives_it(world, order):
    """`unwalked` keeps the rows and their order (text, timestamps, ids; either direction), and
    PostgreSQL, even with sequential scans priced out, sorts rather than walk an index for it."""
    from crm.pagination import unwalked

    Contact.objects.filter(pk=Contact.objects.order_by("pk")[0].pk).update(email="")
    queryset = Contact.objects.order_by(*order)
    reordered = unwalked(queryset)

    assert list(reordered.values_list("pk", flat=True)) == list(
        queryset.values_list("pk", flat=True)
    )
    assert "Sort" in _plan(reordered[:5]), _plan(reordered[:5])


@pytest.mark.postgres
def test_an_order_through_a_relation_is_left_as_it_is(world):
    from crm.pagination import unwalked

    queryset = Affiliation.objects.order_by("organization__name", "pk")
    assert unwalked(queryset) is queryset
    contacts = Contact.objects.order_by("?")
    assert unwalked(contacts) is contacts


@pytest.mark.postgres
def test_past_the_matches_it_would_sort_the_planner_chooses(world, settings):
    """More matches expected than `STAFF_API_SORT_MATCHES_UP_TO`: the page is read as the
    planner plans it (a common term's page is found early in the walk)."""
    settings.STAFF_API_EXACT_COUNT_LIMIT = 2
    settings.STAFF_API_SORT_MATCHES_UP_TO = 0  # the planner never expects fewer than 1
    queryset = Contact.objects.order_by("last_name", "first_name", "pk")
    found = indexed_search(queryset, CONTACT_FIELDS, ["garcia"])

    paginator, rows, sql = _paginated(found)

    assert paginator.count_is_estimate
    assert not any(UNWALKED_ORDER in s for s in sql), sql
    assert [r.pk for r in rows] == _sorted_contacts("garcia")[:5]


@pytest.mark.postgres
def test_a_search_through_other_records_is_read_as_planned(world, settings):
    """Only a search of the records' own text is marked: the invoices' search, read by ids or
    tested along the order, is left to the planner."""
    found = indexed_search(Invoice.objects.order_by("-pk"), INVOICE_FIELDS, ["precision"])
    _, _, sql = _paginated(found)
    assert not any("|| '')" in s or "+ 0)" in s for s in sql), sql


@pytest.mark.postgres
def test_a_term_through_a_relation_reads_ids_by_its_index_until_it_has_enough(world, settings):
    """A rare term's ids through a relation that reaches one record (an invoice's organization):
    the organizations are searched, and each one's invoices read by the relation's index as it
    is found, until the union has one id more than the limit. A join read every invoice and
    every matching organization first (scale 1.0: 16 ms against 9, growing with the data)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    settings.STAFF_API_EXACT_COUNT_LIMIT = 2
    with CaptureQueriesContext(connection) as captured:
        found = indexed_search(Invoice.objects.order_by("-pk"), INVOICE_FIELDS, ["bakery"])
    (union,) = [q["sql"] for q in captured.captured_queries]
    with transaction.atomic(), connection.cursor() as cursor:
        # As at a size where reading either table whole is slow, and where the planner, given
        # a join, chose to hash it rather than loop: the statement leaves it no join to plan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {union}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Join" not in plan and "SubPlan" in plan, plan
    by_organization = re.search(r"billing_invoice_organization_id\w* .*loops=(\d+)", plan)
    assert by_organization is not None, plan
    # Six organizations are bakeries, one invoice each: three read, then the union stops.
    assert int(by_organization.group(1)) == 3, plan
    expected = Invoice.objects.filter(_either(INVOICE_FIELDS, "bakery"))
    assert sorted(found.values_list("pk", flat=True)) == sorted(
        expected.values_list("pk", flat=True)
    )


@pytest.mark.postgres
def test_a_common_terms_rows_are_tested_by_subqueries_and_counted_by_joins(world, settings):
    """A common term walks the list's order testing each row's organization by a subquery (no
    join the planner could hash whole), and the count's estimate is asked of the same test
    written as a join (the planner takes a subquery's matches for half the table). A filter
    added after the search is estimated as it stands."""
    settings.STAFF_API_EXACT_COUNT_LIMIT = 2
    found = indexed_search(Invoice.objects.order_by("-pk"), INVOICE_FIELDS, ["precision"])

    paginator, rows, sql = _paginated(found)

    (explain,) = [s for s in sql if s.startswith("EXPLAIN")]
    assert 'JOIN "crm_organization"' in explain, explain
    page = sql[-1]
    assert "JOIN" not in page and 'FROM "crm_organization"' in page, page
    assert paginator.count_is_estimate
    expected = Invoice.objects.filter(_either(INVOICE_FIELDS, "precision")).order_by("-pk")
    assert [r.pk for r in rows] == list(expected.values_list("pk", flat=True)[:5])

    _, rows, sql = _paginated(found.filter(status="open"))
    (explain,) = [s for s in sql if s.startswith("EXPLAIN")]
    assert "JOIN" not in explain, explain
    assert [r.pk for r in rows] == list(
        expected.filter(status="open").values_list("pk", flat=True)[:5]
    )


ADMIN_CONTACT_FIELDS = ["first_name", "last_name", "email", "organizations__name"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("model", "fields", "term", "order", "unwalked_order"),
    [
        (
            Contact,
            ADMIN_CONTACT_FIELDS,
            "precision",
            ("last_name", "first_name", "-pk"),
            UNWALKED_ORDER,
        ),
        (
            Organization,
            ADMIN_ORGANIZATION_FIELDS,
            "precision",
            ("name", "-pk"),
            """ORDER BY ("crm_organization"."name" || '') ASC""",
        ),
    ],
)
def test_a_common_term_through_many_records_is_sorted_from_its_united_ids(
    world, settings, model, fields, term, order, unwalked_order
):
    """The admin's contacts (by their organizations' names) and organizations (by their
    contacts' addresses): a common term's matches, few enough to sort, are read as the ids its
    index scans give, united, and sorted; the order's walk would test every row before them
    (a last name's sit together). The count's estimate is the planner's for those ids, not
    for an OR of subqueries it takes for half the table. The same rows, in the list's order."""
    settings.STAFF_API_EXACT_COUNT_LIMIT = 2  # "precision" is common: more matches than that
    expected = _sorted_rows(model, fields, term, order)
    assert len(expected) > 5
    found = indexed_search(model.objects.order_by(*order), fields, [term])

    paginator, rows, sql = _paginated(found, count_first=True)  # as the admin asks

    (explain,) = [s for s in sql if s.startswith("EXPLAIN")]
    assert "UNION ALL" in explain and " OR " not in explain, explain
    assert paginator.count_is_estimate
    page = sql[-1]
    assert unwalked_order in page and "UNION ALL" in page and " OR " not in page, page
    assert [r.pk for r in rows] == expected[:5]

    # Past the matches it would sort: the order is walked, each row tested (the OR).
    settings.STAFF_API_SORT_MATCHES_UP_TO = 0
    paginator, rows, sql = _paginated(found, count_first=True)
    assert " OR " in sql[-1] and "UNION ALL" not in sql[-1], sql[-1]
    assert [r.pk for r in rows] == expected[:5]


@pytest.mark.postgres
def test_a_filter_after_the_search_keeps_the_rows_it_narrows(world, settings):
    """A filter added after the search voids the united ids' record (they were found without
    it): the page is then read by the search's own test, the same rows narrowed."""
    settings.STAFF_API_EXACT_COUNT_LIMIT = 2
    order = ("last_name", "first_name", "-pk")
    found = indexed_search(Contact.objects.order_by(*order), ADMIN_CONTACT_FIELDS, ["precision"])
    narrowed = found.filter(first_name="Ana", email__contains="precision-mail")

    _, rows, sql = _paginated(narrowed, count_first=True)

    assert "UNION ALL" not in sql[-1], sql[-1]
    expected = Contact.objects.filter(
        _either(ADMIN_CONTACT_FIELDS, "precision"), email__contains="precision-mail"
    )
    assert [r.pk for r in rows] == list(
        expected.distinct().order_by(*order).values_list("pk", flat=True)[:5]
    )


@pytest.mark.postgres
def test_two_terms_each_common_are_sorted_from_both_their_ids(world, settings):
    """Every term's ids narrow the sorted form as every term's test narrows the walk."""
    settings.STAFF_API_EXACT_COUNT_LIMIT = 2
    order = ("name", "-pk")
    terms = ["precision", "hartford"]
    found = indexed_search(Organization.objects.order_by(*order), ADMIN_ORGANIZATION_FIELDS, terms)

    _, rows, sql = _paginated(found, count_first=True)

    assert sql[-1].count("UNION ALL") >= 2, sql[-1]
    expected = Organization.objects.filter(_either(ADMIN_ORGANIZATION_FIELDS, terms[0])).filter(
        _either(ADMIN_ORGANIZATION_FIELDS, terms[1])
    )
    assert [r.pk for r in rows] == list(
        expected.distinct().order_by(*order).values_list("pk", flat=True)[:5]
    )
