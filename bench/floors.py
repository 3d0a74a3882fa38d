"""Floors: each staff list's page as one hand-written SQL query, the fastest the database can
hand over the same rows. The count rides along as ``COUNT(*) OVER ()`` over the filtered rows,
and the joins run for the page's rows only, as a good hand-written query would."""

from __future__ import annotations

from typing import Any

from django.db import connection

OPEN = ("applied", "approved", "active", "grace")


def _ilike(column: str) -> str:
    return f"{column} ILIKE %s" if connection.vendor == "postgresql" else f"{column} LIKE %s"


def _any_like(*columns: str) -> str:
    return "(" + " OR ".join(_ilike(c) for c in columns) + ")"


def _concat(*parts: str) -> str:
    return " || ".join(parts)


def _agg(expr: str) -> str:
    if connection.vendor == "postgresql":
        return f"string_agg({expr}, ', ')"
    return f"group_concat({expr}, ', ')"


def organizations(variant: str, size: int) -> tuple[str, list[Any]]:
    where, params = "TRUE", []
    if variant == "search":
        where = (
            "(" + " OR ".join(_ilike(c) for c in ("o.name", "o.website", "o.email_domain")) + ")"
        )
        params = ["%precision%"] * 3
    elif variant == "filter":
        where = (
            "o.county = %s AND EXISTS (SELECT 1 FROM crm_membership f "
            "WHERE f.organization_id = o.id AND f.status = %s)"
        )
        params = ["hartford", "active"]
    open_list = ", ".join(f"'{s}'" for s in OPEN)
    sql = f"""
        WITH page AS (
            SELECT o.id, o.name, o.website, o.phone, o.city, o.county, o.industry, o.employees,
                   o.directory_listed, COUNT(*) OVER () AS total_count
            FROM crm_organization o WHERE {where}
            ORDER BY o.name, o.id LIMIT %s
        )
        SELECT page.*, m.status AS membership_status, p.name AS membership_plan,
               m.paid_through AS membership_paid_through,
               {_concat("c.first_name", "' '", "c.last_name")} AS primary_contact_name,
               c.email AS primary_contact_email
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
    return sql, [*params, size]


def contacts(variant: str, size: int) -> tuple[str, list[Any]]:
    where, params = "TRUE", []
    if variant == "search":
        where = (
            "(" + " OR ".join(_ilike(c) for c in ("k.first_name", "k.last_name", "k.email")) + ")"
        )
        params = ["%garcia%"] * 3
    elif variant == "filter":
        where = (
            "EXISTS (SELECT 1 FROM crm_affiliation f WHERE f.contact_id = k.id AND f.is_primary)"
        )
    sql = f"""
        WITH page AS (
            SELECT k.id, k.first_name, k.last_name, k.email, k.phone, k.title,
                   COUNT(*) OVER () AS total_count
            FROM crm_contact k WHERE {where}
            ORDER BY k.last_name, k.first_name, k.id LIMIT %s
        )
        SELECT page.*, (
            SELECT {_agg("o.name")} FROM crm_affiliation a
            JOIN crm_organization o ON o.id = a.organization_id WHERE a.contact_id = page.id
        ) AS organizations
        FROM page ORDER BY page.last_name, page.first_name, page.id
    """
    return sql, [*params, size]
