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


def invoices(variant: str, size: int) -> tuple[str, list[Any]]:
    """The invoice page with its organization and contact names, its lines, and its payments
    with what was refunded of each; paid and refunded sums derived from them."""
    where, params = "1 = 1", []
    if variant == "search":
        where = _any_like("i.number", "i.reference", "i.stripe_invoice_id", "org.name")
        params = ["%precision%"] * 4
    elif variant == "filter":
        where, params = "i.status = %s", ["open"]
    counted = "('pending', 'succeeded')"
    line = _obj(
        id="l.id",
        position="l.position",
        kind="l.kind",
        description="l.description",
        amount="l.amount",
        gl_account="l.gl_account",
        period_start="l.period_start",
        period_end="l.period_end",
        membership="l.membership_id",
        pledge_installment="l.pledge_installment_id",
    )
    refunded_of = (
        "(SELECT COALESCE(SUM(r.amount), 0) FROM billing_refund r "
        f"WHERE r.payment_id = p.id AND r.status IN {counted})"
    )
    payment = _obj(
        id="p.id",
        method="p.method",
        status="p.status",
        amount="p.amount",
        amount_refunded=refunded_of,
        received_on="p.received_on",
        check_number="p.check_number",
    )
    sql = f"""
        WITH page AS (
            SELECT i.id, i.number, i.reference, i.organization_id AS organization,
                   org.name AS organization_name, i.contact_id AS contact,
                   c.first_name || ' ' || c.last_name AS contact_name, i.kind, i.status,
                   i.currency, i.total, i.issue_date, i.due_date, i.explanation, i.memo,
                   i.status_changed_at, i.status_reason, i.paid_at, i.reversed_at,
                   i.last_sent_at, i.stripe_invoice_id, i.stripe_hosted_url,
                   i.stripe_pdf_url, i.stripe_error, i.created, i.modified
            FROM billing_invoice i
            JOIN crm_organization org ON org.id = i.organization_id
            LEFT JOIN crm_contact c ON c.id = i.contact_id
            WHERE {where}
            ORDER BY i.created DESC, i.id DESC LIMIT %s
        )
        SELECT page.*,
               (SELECT COUNT(*) FROM billing_invoice i
                JOIN crm_organization org ON org.id = i.organization_id WHERE {where})
                   AS total_count,
               (SELECT COALESCE(SUM(p.amount), 0) FROM billing_payment p
                WHERE p.invoice_id = page.id AND p.status = 'succeeded') AS amount_paid,
               (SELECT COALESCE(SUM(r.amount), 0) FROM billing_refund r
                JOIN billing_payment p ON p.id = r.payment_id
                WHERE p.invoice_id = page.id AND r.status IN {counted}) AS amount_refunded,
               (SELECT {_array(line)} FROM billing_invoiceline l
                WHERE l.invoice_id = page.id) AS lines_json,
               (SELECT {_array(payment)} FROM billing_payment p
                WHERE p.invoice_id = page.id) AS payments_json
        FROM page ORDER BY page.created DESC, page.id DESC
    """
    return sql, [*params, size, *params]


def registrations(variant: str, size: int) -> tuple[str, list[Any]]:
    """The registration page with its event, ticket type, contact and organization, its
    attendees, the invoice it is paid through and its place on the waitlist."""
    where, params = "1 = 1", []
    if variant == "search":
        where = _any_like(
            "r.reference", "k.first_name", "k.last_name", "k.email", "o.name", "r.organization_name"
        )
        params = ["%garcia%"] * 6
    elif variant == "filter":
        where, params = "r.status = %s", ["confirmed"]
    attendee = _obj(id="a.id", first_name="a.first_name", last_name="a.last_name", email="a.email")
    invoice = _obj(id="i.id", number="i.number", status="i.status", total="i.total")
    sql = f"""
        WITH page AS (
            SELECT r.id, r.reference, r.event_id AS event, e.slug AS event_slug,
                   e.title AS event_title, e.starts_at, r.ticket_type_id AS ticket_type,
                   t.code AS ticket_type_code, t.name AS ticket_type_name,
                   r.contact_id AS contact, k.first_name || ' ' || k.last_name AS contact_name,
                   k.email AS contact_email, r.organization_id AS organization,
                   COALESCE(o.name, r.organization_name) AS organization_name, r.quantity,
                   r.status, r.member_pricing, r.price_each, r.total, r.payment,
                   r.hold_expires_at, r.checked_in_at, r.status_changed_at, r.status_reason,
                   r.created, r.modified
            FROM crm_registration r
            JOIN crm_event e ON e.id = r.event_id
            JOIN crm_tickettype t ON t.id = r.ticket_type_id
            JOIN crm_contact k ON k.id = r.contact_id
            LEFT JOIN crm_organization o ON o.id = r.organization_id
            WHERE {where}
            ORDER BY r.created DESC, r.id DESC LIMIT %s
        )
        SELECT page.*,
               (SELECT COUNT(*) FROM crm_registration r
                JOIN crm_contact k ON k.id = r.contact_id
                LEFT JOIN crm_organization o ON o.id = r.organization_id
                WHERE {where}) AS total_count,
               (SELECT {_array(attendee)} FROM crm_attendee a
                WHERE a.registration_id = page.id) AS attendees_json,
               (SELECT {invoice} FROM billing_invoiceline l
                JOIN billing_invoice i ON i.id = l.invoice_id
                WHERE l.registration_id = page.id AND i.status IN ('draft', 'open', 'paid')
                ORDER BY i.id DESC LIMIT 1) AS invoice_json,
               CASE WHEN page.status = 'waitlisted' THEN (
                   SELECT COUNT(*) + 1 FROM crm_registration w
                   WHERE w.ticket_type_id = page.ticket_type AND w.status = 'waitlisted'
                     AND w.id < page.id) END AS waitlist_position
        FROM page ORDER BY page.created DESC, page.id DESC
    """
    return sql, [*params, size, *params]
