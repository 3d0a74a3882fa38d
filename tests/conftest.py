from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from hypothesis import settings as hypothesis_settings

from crm.roles import ROLE_NAMES
from tests.factories import UserFactory
from tests.permission_world import world  # noqa: F401  (the permission matrices' data)

# No deadline on a Hypothesis example: a timing is not something the suite asserts (that is
# bench/'s business), and on a busy CI machine a slow example would fail the run as "flaky".
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache, the tables' sizes in the paginator: each test
    starts with none."""
    from django.core.cache import cache

    from crm.pagination import forget_sizes

    cache.clear()
    forget_sizes()  # the tables' sizes the paginator keeps (each test's tables are its own)
    yield
    cache.clear()


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """On several workers, one database migrated for all of them (tests/template_database.py)."""
    from tests import template_database

    if template_database.wanted(config):
        template_database.start(config)


def pytest_unconfigure(config):
    if hasattr(config, "_template_database"):
        from tests import template_database

        template_database.finish(config)


def _database_used(request) -> bool:
    """Whether a test this process runs uses the database (pytest-django's own reading)."""
    from pytest_django.fixtures import _get_databases_for_setup

    aliases, _ = _get_databases_for_setup(request.session.items)
    return "default" in aliases


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """pytest-django's, then: a worker's test database starts as a copy of the run's migrated
    template, when there is one (and a test of the worker's uses the database)."""
    from tests import template_database

    keeper = template_database.use_in_worker() if _database_used(request) else None
    yield
    if keeper is not None:
        keeper.close()


@pytest.fixture(scope="session", autouse=True)
def _statements_checked_against_the_orm():
    """Every statement that core.db.values_of builds from the pieces it keeps is compared with
    the ORM's own compilation of the same queryset, in every test that reads a list."""
    import core.db

    core.db.CHECK_AGAINST_ORM = True
    yield
    core.db.CHECK_AGAINST_ORM = False


@pytest.fixture(scope="session", autouse=True)
def _permission_names(request, django_db_setup, django_db_blocker):
    """The permissions' names, read once the test database is made, as a running process has
    them (core.auth_backends): a request then sends the same statements in every test. (A run
    of tests none of which uses the database makes none, and has nothing to read.)"""
    from core.auth_backends import read_permission_names

    if not _database_used(request):
        return
    with django_db_blocker.unblock():
        read_permission_names("default")


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """A transaction around the module, rolled back at its end: data a module's fixture writes
    once (a demo, a seeded table) is shared by its tests, each in a savepoint of its own."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def make_staff(db) -> Callable:
    """A staff user in one of the roles (Membership, Finance, Events, Read-only)."""

    def make(role: str, username: str | None = None):
        assert role in ROLE_NAMES, role
        user = UserFactory(username=username or f"staff-{role.lower()}")
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_superuser=True)


@pytest.fixture
def client_for(make_staff) -> Callable[[str], Client]:
    """A logged-in admin client for a role."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(make_staff(role))
        return client

    return make


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need row locks and real concurrency: skip them on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def hartbeat(db):
    """The HartBeat list, as its data migration makes it. A test that reads it asks for this:
    on PostgreSQL a transactional test earlier in the same worker empties every table, data
    migrations' rows included."""
    import importlib

    from outreach.models import NewsletterList

    seed = importlib.import_module("outreach.migrations.0002_hartbeat_list").HARTBEAT
    newsletter, _ = NewsletterList.objects.get_or_create(code=seed["code"], defaults=seed)
    return newsletter
