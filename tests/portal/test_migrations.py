"""portal 0003: PortalAccount.last_sign_in_at goes; a last sign-in crm's PortalSignIn did not
hold (the portal recorded sign-ins only in the field before crm 0015) is kept as a row."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from crm.models import PortalSignIn
from tests.factories import ContactFactory, UserFactory

BEFORE = [("portal", "0002_directory_review")]
AFTER = [("portal", "0003_remove_portalaccount_last_sign_in_at")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _at(day: int) -> datetime:
    return datetime(2026, 11, day, 15, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_it_keeps_each_last_sign_in_as_a_portal_sign_in_and_back():
    old = _migrate(BEFORE)
    try:
        Account = old.get_model("portal", "PortalAccount")
        only_in_field, recorded, later_recorded, never = (ContactFactory() for _ in range(4))
        for contact, last in [
            (only_in_field, _at(3)),  # signed in before PortalSignIn existed
            (recorded, _at(5)),
            (later_recorded, _at(6)),
            (never, None),
        ]:
            Account.objects.create(
                contact_id=contact.pk, user_id=UserFactory().pk, last_sign_in_at=last
            )
        PortalSignIn.objects.create(contact=recorded, signed_in_at=_at(5))
        PortalSignIn.objects.create(contact=later_recorded, signed_in_at=_at(9))

        _migrate(AFTER)

        rows = sorted(PortalSignIn.objects.values_list("contact_id", "signed_in_at"))
        assert rows == sorted(
            [(only_in_field.pk, _at(3)), (recorded.pk, _at(5)), (later_recorded.pk, _at(9))]
        )

        Account = _migrate(BEFORE).get_model("portal", "PortalAccount")
        assert dict(Account.objects.values_list("contact_id", "last_sign_in_at")) == {
            only_in_field.pk: _at(3),
            recorded.pk: _at(5),
            later_recorded.pk: _at(9),
            never.pk: None,
        }
    finally:
        _migrate(AFTER)
