"""Brute-force protection of the staff logins (django-axes).

Failed logins are counted per user name and client address together (LOGIN_FAILURE_LIMIT) and
per user name alone from any address (LOGIN_USERNAME_FAILURE_LIMIT, higher, so one person's
typos elsewhere do not lock a colleague out while a guesser who rotates addresses still is).
Either count reaching its limit refuses the user name, even with the right password, until
LOGIN_COOLOFF_MINUTES have passed since the last failure. The client address is the one the
API's throttling uses (X-Forwarded-For read only NUM_PROXIES deep).
"""

from collections.abc import Sequence
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from outreach.net import client_address


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same address the throttles see."""
    return client_address(request)


def _limit_for(parameter: str | Sequence[str], base_limit: int) -> int:
    """The user name alone has its own, higher limit; every other set uses axes' own."""
    if parameter == "username" or list(parameter) == ["username"]:
        return int(settings.LOGIN_USERNAME_FAILURE_LIMIT)
    return base_limit


class TieredLimitDatabaseHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per lockout parameter set.

    axes compares the largest count over AXES_LOCKOUT_PARAMETERS with one AXES_FAILURE_LIMIT.
    Here each set's count is shifted by how far its own limit lies above that one, so "the
    largest shifted count reaches AXES_FAILURE_LIMIT" means "some set reached its own limit";
    everything else in axes (the lockout decision, the admin's status column) stays as it is.
    """

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        base_limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        shifted = [
            (attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)
            - (_limit_for(parameter, base_limit) - base_limit)
            for parameter, attempts in zip(parameters, attempts_list, strict=True)
        ]
        return max([0, *shifted])
