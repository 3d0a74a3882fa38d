"""A user's permissions come from one query, and they are the ones Django's ModelBackend gives:
their own and their groups', every one for a superuser, none for an inactive user."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.auth_backends import ModelBackendOneQuery
from crm.roles import FINANCE, MEMBERSHIP
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _both(user) -> tuple[set[str], set[str]]:
    return (
        ModelBackendOneQuery().get_all_permissions(_fresh(user)),
        ModelBackend().get_all_permissions(_fresh(user)),
    )


def test_it_gives_a_user_their_own_and_their_groups_permissions_as_django_does():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MEMBERSHIP), Group.objects.get(name=FINANCE))
    own = Permission.objects.get(codename="view_user")
    user.user_permissions.add(own)

    ours, django = _both(user)

    assert ours == django
    assert "auth.view_user" in ours and "crm.change_organization" in ours
    assert len(ours) > 10


def test_it_gives_a_superuser_every_permission_and_an_inactive_user_none():
    superuser = UserFactory(is_superuser=True)
    inactive = UserFactory(is_active=False)
    inactive.groups.add(Group.objects.get(name=FINANCE))

    ours, django = _both(superuser)
    assert ours == django and len(ours) == Permission.objects.count()
    assert _both(inactive) == (set(), set())


def test_it_reads_them_in_one_query_once_a_request():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=FINANCE))
    user = _fresh(user)

    with CaptureQueriesContext(connection) as captured:
        assert user.has_perm("billing.view_invoice")
        assert not user.has_perm("auth.delete_user")  # Django's backend after: the same cache
        assert user.has_perms(["billing.view_payment", "crm.view_organization"])

    assert len(captured.captured_queries) == 1


def test_a_session_signed_in_through_djangos_backend_stays_signed_in():
    user = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    assert client.get("/admin/").status_code == 200


def test_a_permission_added_since_the_names_were_read_is_named_too():
    from django.contrib.contenttypes.models import ContentType

    from crm.models import Organization

    added = Permission.objects.create(
        codename="merge_organization",
        name="Can merge organization",
        content_type=ContentType.objects.get_for_model(Organization),
    )
    user = UserFactory(is_staff=True)
    user.user_permissions.add(added)
    superuser = UserFactory(is_superuser=True)

    ours, django = _both(user)
    assert ours == django == {"crm.merge_organization"}
    ours, django = _both(superuser)
    assert ours == django and "crm.merge_organization" in ours
