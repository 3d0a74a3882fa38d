"""Floors: each staff list's page as one hand-written SQL query, the fastest the database can
hand over the same rows and fields. The count rides along as a scalar subquery (cheaper than
``COUNT(*) OVER ()``, which would carry every filtered row through the sort), the joins run for
the page's rows only, and nested objects come out of the
database as JSON (columns named ``*_json``), as a good hand-written query would do it."""

from __future__ import annotations

from typing import Any

from django.db import connection

OPEN = ("applied", "approved", "active", "grace")


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _any_like(*columns: str) -> str:
    op = "ILIKE" if _pg() else "LIKE"  # SQLite's LIKE ignores ASCII case
    return "(" + " OR ".join(f"{c} {op} %s" for c in columns) + ")"


def _obj(**pairs: str) -> str:
    args = ", ".join(f"'{k}', {v}" for k, v in pairs.items())
    return f"json_build_object({args})" if _pg() else f"json_object({args})"


def _array(expr: str) -> str:
    return f"COALESCE(json_agg({expr}), '[]')" if _pg() else f"json_group_array({expr})"


def _roles(alias: str) -> str:
    """The affiliation's roles as the API lists them."""
    if _pg():
        return (
            f"array_to_json(array_remove(ARRAY["
            f"CASE WHEN {alias}.is_primary THEN 'primary representative' END, "
            f"CASE WHEN {alias}.is_billing THEN 'billing contact' END, "
            f"CASE WHEN {alias}.is_event_contact THEN 'event contact' END], NULL))"
        )
    return (
        "json_array("
        + ", ".join(
            f"CASE WHEN {alias}.{flag} THEN '{label}' END"
            for flag, label in (
                ("is_primary", "primary representative"),
                ("is_billing", "billing contact"),
                ("is_event_contact", "event contact"),
            )
        )
        + ")"
    )


def organizations(variant: str, size: int) -> tuple[str, list[Any]]:
    where, params = "1 = 1", []
    if variant == "search":
        where = _any_like("o.name", "o.website", "o.email_domain", "o.city")
        params = ["%precision%"] * 4
    elif variant == "filter":
        where = (
            "o.county = %s AND EXISTS (SELECT 1 FROM crm_membership f "
            "WHERE f.organization_id = o.id AND f.status = %s)"
        )
        params = ["hartford", "active"]
    open_list = ", ".join(f"'{s}'" for s in OPEN)
    membership = _obj(
        id="m.id",
        status="m.status",
        plan="p.code",
        plan_name="p.name",
        paid_through="m.paid_through",
    )
    contact = _obj(id="c.id", name="c.first_name || ' ' || c.last_name", email="c.email")
    sql = f"""
        WITH page AS (
            SELECT o.id, o.name, o.website, o.email_domain, o.phone, o.address_line1,
                   o.address_line2, o.city, o.state, o.postal_code, o.county, o.industry,
                   o.employees, o.directory_listed, o.directory_text, o.created, o.modified
            FROM crm_organization o WHERE {where}
            ORDER BY o.name, o.id LIMIT %s
        )
        SELECT page.*,
               (SELECT COUNT(*) FROM crm_organization o WHERE {where}) AS total_count,
               CASE WHEN m.id IS NULL THEN NULL ELSE {membership} END
                   AS current_membership_json,
               CASE WHEN c.id IS NULL THEN NULL ELSE {contact} END AS primary_contact_json
        FROM page
        LEFT JOIN crm_membership m ON m.id = (
            SELECT m2.id FROM crm_membership m2 WHERE m2.organization_id = page.id
            ORDER BY CASE WHEN m2.status IN ({open_list}) THEN 0 ELSE 1 END,
                     m2.start_date DESC, m2.id DESC LIMIT 1)
        LEFT JOIN crm_membershipplan p ON p.id = m.plan_id
        LEFT JOIN crm_affiliation a ON a.organization_id = page.id AND a.is_primary
        LEFT JOIN crm_contact c ON c.id = a.contact_id
        ORDER BY page.name, page.id
    """
    return sql, [*params, size, *params]


def contacts(variant: str, size: int) -> tuple[str, list[Any]]:
    where, params = "1 = 1", []
    if variant == "search":
        where = _any_like("k.first_name", "k.last_name", "k.email", "k.phone")
        params = ["%garcia%"] * 4
    elif variant == "filter":
        where = (
            "EXISTS (SELECT 1 FROM crm_affiliation f WHERE f.contact_id = k.id AND f.is_primary)"
        )
    affiliation = _obj(
        id="a.id",
        organization="a.organization_id",
        organization_name="o.name",
        title="a.title",
        roles=_roles("a"),
    )
    sql = f"""
        WITH page AS (
            SELECT k.id, k.first_name, k.last_name, k.first_name || ' ' || k.last_name
                   AS full_name, k.email, k.phone, k.title, k.created, k.modified
            FROM crm_contact k WHERE {where}
            ORDER BY k.last_name, k.first_name, k.id LIMIT %s
        )
        SELECT page.*, (SELECT COUNT(*) FROM crm_contact k WHERE {where}) AS total_count, (
            SELECT {_array(affiliation)} FROM crm_affiliation a
            JOIN crm_organization o ON o.id = a.organization_id WHERE a.contact_id = page.id
        ) AS affiliations_json
        FROM page ORDER BY page.last_name, page.first_name, page.id
    """
    return sql, [*params, size, *params]
