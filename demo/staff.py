"""The demo's staff logins: a superuser and one user in each staff role, all with one password."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from crm import roles

DEFAULT_PASSWORD = "chamber-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None  # a group in crm.roles, or None for the superuser


DEMO_USERS = (
    DemoUser("admin", "Alex", "Morgan", None),
    DemoUser("membership", "Maria", "Santos", roles.MEMBERSHIP),
    DemoUser("finance", "David", "Chen", roles.FINANCE),
    DemoUser("events", "Keisha", "Brown", roles.EVENTS),
    DemoUser("readonly", "Owen", "Sullivan", roles.READ_ONLY),
)


def ensure_staff_users(*, password: str) -> tuple[dict[str, Any], list[str]]:
    """Create the demo users that are missing and give every one of them `password`, so the
    login the command prints always works. Returns the users by name and the names created."""
    User = get_user_model()
    # Hashing is slow on purpose; one hash serves every demo user, who share the password.
    hashed = make_password(password)
    users: dict[str, Any] = {}
    created: list[str] = []
    for spec in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@metrohartford.example",
            },
        )
        user.is_active = True
        user.is_staff = True
        user.is_superuser = spec.role is None
        user.password = hashed
        user.save()
        if spec.role is not None:
            user.groups.add(Group.objects.get(name=spec.role))
        users[spec.username] = user
        if was_created:
            created.append(spec.username)
    return users, created
