"""README's backup and restore procedure, run for real: pg_dump the database, restore it into a
new one, and find every row whole."""

import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from crm.models import Membership, Organization
from crm.services import membership_create, membership_record_payment
from crm.services.memberships import _membership_approve
from tests.factories import ContactFactory, OrganizationFactory, PlanFactory


def _conninfo(dbname: str) -> dict:
    params = connection.get_connection_params()
    return {
        "host": params.get("host") or "127.0.0.1",
        "port": str(params.get("port") or 5432),
        "user": params.get("user") or "postgres",
        "dbname": dbname,
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_restores_a_dump_into_a_new_database_with_the_data_whole(tmp_path):
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.fail("pg_dump and pg_restore are needed (apt-get install postgresql-client)")
    from datetime import date

    plan = PlanFactory()
    for index in range(5):
        organization = OrganizationFactory(name=f"Restored Business {index}")
        ContactFactory()
        membership = membership_create(
            organization=organization, plan=plan, start_date=date(2026, 1, 1)
        )
        _membership_approve(membership=membership)
        membership_record_payment(membership=membership, period_end=date(2026, 12, 31))

    source = _conninfo(connection.settings_dict["NAME"])
    dump = tmp_path / "crm.dump"
    env = {"PGHOST": source["host"], "PGPORT": source["port"], "PGUSER": source["user"]}
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source["dbname"]],
        check=True,
        env={**env, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    target_name = f"restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**{**source, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{target_name}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={target_name}", str(dump)],
            check=True,
            env={**env, "PATH": "/usr/bin:/bin"},
            timeout=120,
        )
        with psycopg.connect(**{**source, "dbname": target_name}) as restored:
            organizations = restored.execute(
                "SELECT name FROM crm_organization ORDER BY name"
            ).fetchall()
            active = restored.execute(
                "SELECT count(*) FROM crm_membership WHERE status = 'active' "
                "AND paid_through = '2026-12-31'"
            ).fetchone()
            transitions = restored.execute(
                "SELECT count(*) FROM crm_membershiptransition"
            ).fetchone()
        assert [row[0] for row in organizations] == sorted(
            Organization.objects.values_list("name", flat=True)
        )
        assert active[0] == Membership.objects.filter(status="active").count() == 5
        assert transitions[0] == 15  # applied, approved, active for each
    finally:
        with psycopg.connect(**{**source, "dbname": "postgres"}, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
