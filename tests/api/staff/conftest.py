from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm import services
from crm.models import Note, Pledge
from tests.factories import InvestorLevelFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()  # the throttle counts live in the cache
    yield
    cache.clear()


@pytest.fixture
def api_for(make_staff) -> Callable[[str], APIClient]:
    """An API client authenticated by token as a staff user in a role."""

    def make(role: str) -> APIClient:
        client = APIClient()
        token = Token.objects.create(user=make_staff(role))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def membership_api(api_for) -> APIClient:
    return api_for("Membership")


def make_pledge(**overrides) -> Pledge:
    values = {
        "organization": overrides.pop("organization", None) or OrganizationFactory(),
        "level": overrides.pop("level", None) or InvestorLevelFactory(),
        "annual_amount": Decimal("6000.00"),
        "start_date": date(2027, 1, 1),
        "term_years": 2,
        "installments_per_year": 2,
    }
    values.update(overrides)
    return services.pledge_create(**values)


def make_note(**overrides) -> Note:
    if "organization" not in overrides and "contact" not in overrides:
        overrides["organization"] = OrganizationFactory()
    return services.note_create(body=overrides.pop("body", "Called about renewal."), **overrides)
