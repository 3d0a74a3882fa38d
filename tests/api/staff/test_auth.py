from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.throttling import StaffRateThrottle
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations/"


def test_it_accepts_a_staff_token(api_for):
    OrganizationFactory(name="Acme")
    response = api_for("Read-only").get(URL)
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Acme"]


def test_it_asks_for_credentials_without_them():
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json() == {
        "errors": {"detail": ["Authentication credentials were not provided."]}
    }
    assert response["WWW-Authenticate"] == "Token"


def test_it_refuses_an_unknown_or_revoked_token(api_for):
    client = api_for("Membership")
    Token.objects.all().delete()
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"errors": {"detail": ["Invalid token."]}}


def test_it_refuses_a_user_who_is_not_staff():
    user = UserFactory(username="outsider", is_staff=False)
    user.user_permissions.add(Permission.objects.get(codename="view_organization"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert client.get(URL).status_code == 403


def test_it_refuses_staff_without_a_role(db):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(username='x')).key}"
    )
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json()["errors"]["detail"]


def test_it_accepts_the_staff_session(client_for):
    assert client_for("Read-only").get(URL).status_code == 200


def test_it_wants_the_csrf_token_for_writes_in_a_session(make_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("Membership"))
    response = client.post(URL, {"name": "Acme"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["errors"]["detail"][0]


def test_it_throttles_each_user(api_for, monkeypatch):
    monkeypatch.setattr(StaffRateThrottle, "THROTTLE_RATES", {"staff": "2/minute"})
    client = api_for("Read-only")
    assert [client.get(URL).status_code for _ in range(2)] == [200, 200]
    response = client.get(URL)
    assert response.status_code == 429
    assert "throttled" in response.json()["errors"]["detail"][0]
    assert int(response["Retry-After"]) > 0
    # Another user has a budget of their own.
    assert api_for("Membership").get(URL).status_code == 200


def test_it_prints_a_token_for_a_staff_user(make_staff):
    user = make_staff("Finance")
    out = StringIO()
    call_command("create_api_token", user.username, stdout=out)
    key = out.getvalue().strip()
    assert Token.objects.get(user=user).key == key
    again = StringIO()
    call_command("create_api_token", user.username, stdout=again)
    assert again.getvalue().strip() == key


def test_it_rotates_a_token(make_staff):
    user = make_staff("Finance")
    old = Token.objects.create(user=user).key
    out = StringIO()
    call_command("create_api_token", user.username, "--rotate", stdout=out)
    assert out.getvalue().strip() != old
    assert not Token.objects.filter(key=old).exists()


def test_it_makes_no_token_for_a_user_who_cannot_use_it(db):
    UserFactory(username="visitor", is_staff=False)
    with pytest.raises(CommandError, match="not an active staff user"):
        call_command("create_api_token", "visitor")
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody")
    assert not Token.objects.exists()


def test_it_lets_a_superuser_create_and_revoke_tokens_in_the_admin(superuser, make_staff):
    staff = make_staff("Membership")
    client = Client()
    client.force_login(superuser)
    response = client.post(
        "/admin/authtoken/tokenproxy/add/", {"user": staff.pk, "_save": "Save"}, follow=True
    )
    token = Token.objects.get(user=staff)
    assert token.key in response.content.decode()  # shown once, to be copied
    listing = client.get("/admin/authtoken/tokenproxy/").content.decode()
    assert token.key not in listing
    response = client.post(
        f"/admin/authtoken/tokenproxy/{staff.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not Token.objects.filter(user=staff).exists()


def test_it_lets_staff_with_the_token_permissions_manage_only_their_own(make_staff):
    colleague = make_staff("Finance")
    other_token = Token.objects.create(user=colleague)
    me = make_staff("Membership")
    me.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="authtoken", codename__endswith="proxy")
    )
    client = Client()
    client.force_login(me)

    assert colleague.username not in client.get("/admin/authtoken/tokenproxy/").content.decode()
    assert client.get(f"/admin/authtoken/tokenproxy/{colleague.pk}/change/").status_code == 302
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": colleague.pk})
    assert response.status_code == 200  # the form refuses the choice
    assert not Token.objects.exclude(pk=other_token.pk).exists()

    client.post("/admin/authtoken/tokenproxy/add/", {"user": me.pk})
    assert Token.objects.filter(user=me).exists()


def test_it_keeps_the_token_admin_from_staff_without_the_permissions(client_for):
    assert client_for("Membership").get("/admin/authtoken/tokenproxy/").status_code == 403
