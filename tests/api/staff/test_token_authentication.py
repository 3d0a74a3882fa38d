"""The staff API's token authentication reads the token, its user and the user's permissions in
one statement, and answers as DRF's `TokenAuthentication` and Django's `ModelBackend` do."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.authentication import StaffTokenAuthentication
from crm.roles import FINANCE, MEMBERSHIP
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations/"


def _users():
    """A user of each kind whose permissions differ: two roles and a permission of their own,
    one role, a superuser, none."""
    both = UserFactory(username="both", is_staff=True)
    both.groups.add(Group.objects.get(name=MEMBERSHIP), Group.objects.get(name=FINANCE))
    both.user_permissions.add(Permission.objects.get(codename="view_user"))
    finance = UserFactory(username="finance", is_staff=True)
    finance.groups.add(Group.objects.get(name=FINANCE))
    return [both, finance, UserFactory(username="root", is_superuser=True), UserFactory()]


def test_it_gives_the_user_token_and_permissions_that_drf_and_django_give():
    for user in _users():
        key = Token.objects.create(user=user).key

        ours, token = StaffTokenAuthentication().authenticate_credentials(key)
        theirs, their_token = TokenAuthentication().authenticate_credentials(key)

        assert (ours.pk, type(ours)) == (theirs.pk, type(theirs))
        for field in type(ours)._meta.concrete_fields:
            assert getattr(ours, field.attname) == getattr(theirs, field.attname), field.name
        assert type(ours.is_superuser) is bool and type(ours.is_active) is bool
        assert (token.key, token.user_id, token.created) == (
            their_token.key,
            their_token.user_id,
            their_token.created,
        )
        assert token.created.tzinfo is not None and token.user is ours
        assert not ours._state.adding and ours._state.db == "default"
        with CaptureQueriesContext(connection) as later:
            permissions = ours.get_all_permissions()
        assert permissions == ModelBackend().get_all_permissions(theirs), user.username
        assert later.captured_queries == []  # kept on the user by the one statement


def test_the_permissions_are_every_one_for_a_superuser_and_a_roles_for_staff():
    both, finance, root, nobody = _users()
    names = {}
    for user in (both, finance, root, nobody):
        key = Token.objects.create(user=user).key
        names[user.username] = StaffTokenAuthentication().authenticate_credentials(key)[0]

    assert len(names["root"].get_all_permissions()) == Permission.objects.count()
    assert "auth.view_user" in names["both"].get_all_permissions()
    assert "crm.change_organization" in names["both"].get_all_permissions()
    assert names["finance"].has_perm("billing.change_invoice")
    assert not names["finance"].has_perm("auth.view_user")
    assert names[nobody.username].get_all_permissions() == set()


def test_it_refuses_an_unknown_token_and_an_inactive_user_as_drf_does():
    inactive = UserFactory(is_staff=True, is_active=False)
    inactive.groups.add(Group.objects.get(name=FINANCE))
    key = Token.objects.create(user=inactive).key
    for credentials, message in (("0" * 40, "Invalid token."), (key, "User inactive or deleted.")):
        with pytest.raises(exceptions.AuthenticationFailed) as ours:
            StaffTokenAuthentication().authenticate_credentials(credentials)
        with pytest.raises(exceptions.AuthenticationFailed) as theirs:
            TokenAuthentication().authenticate_credentials(credentials)
        assert str(ours.value.detail) == str(theirs.value.detail) == message

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"errors": {"detail": ["User inactive or deleted."]}}


def test_a_staff_request_reads_its_token_user_and_permissions_in_one_statement(api_for):
    OrganizationFactory(name="Acme")
    client = api_for("Read-only")

    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200

    statements = [q["sql"] for q in captured.captured_queries]
    reading_permissions = [s for s in statements if "auth_permission" in s]
    assert len(reading_permissions) == 1
    assert "authtoken_token" in reading_permissions[0]
    assert not any("authtoken_token" in s for s in statements if s not in reading_permissions)


def test_a_role_taken_away_holds_from_the_next_request(make_staff):
    user = make_staff("Membership")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert client.get(URL).status_code == 200

    user.groups.clear()
    assert client.get(URL).status_code == 403

    user.groups.add(Group.objects.get(name=MEMBERSHIP))
    assert client.get(URL).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(URL).status_code == 401
