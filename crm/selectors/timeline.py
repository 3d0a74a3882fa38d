"""One organization's timeline: everything that happened to it, newest first, from every app.

crm does not import events (nor outreach), so the timeline is a registry of sources, like
billing's effects: each app registers a function that says how to read the entries it knows of
for one organization (crm its membership steps, plan changes, notes, interactions and mail, and
the invoices, payments, refunds and disputes of the ledger, which it may read; events its
registrations and check-ins, from events.apps):

    register_timeline_source("events", registration_timeline)

A source returns a `TimelineRead` (crm.selectors.timeline_read): its rows for the organization,
newest first, the values its entries need and how a row reads. It runs nothing itself: the
timeline reads every source's newest `limit` rows in one query (a UNION ALL), however many
sources and rows there are, then keeps the newest `limit` entries.
"""

from collections.abc import Callable
from typing import Any, Protocol

from billing.models import Dispute, Invoice, Payment, Refund
from billing.money import format_usd
from crm.models import EmailLog, Interaction, MembershipPlanChange, MembershipTransition, Note
from crm.selectors.timeline_read import (
    Row,
    TimelineEntry,
    TimelineRead,
    admin_url,
    label,
    person,
    read_timeline,
    start_of,
)

__all__ = [
    "TimelineEntry",
    "TimelineRead",
    "admin_url",
    "organization_timeline",
    "register_timeline_source",
    "start_of",
]


class TimelineSource(Protocol):
    def __call__(self, *, organization_id: int) -> TimelineRead: ...


_sources: dict[str, TimelineSource] = {}


def register_timeline_source(name: str, source: TimelineSource) -> None:
    _sources[name] = source


def organization_timeline(*, organization_id: int, limit: int = 200) -> list[TimelineEntry]:
    """The organization's timeline from every registered source, newest first (on the same
    moment: in the order the sources were registered), in one query."""
    reads = [source(organization_id=organization_id) for source in _sources.values()]
    return read_timeline(reads, limit=limit)


# --- crm's own -------------------------------------------------------------------------------

_STEPS = {
    "applied": "Applied",
    "approved": "Approved",
    "grace": "Entered the grace period",
    "lapsed": "Lapsed",
    "cancelled": "Cancelled",
    "rejected": "Rejected",
}


def _step(to: str, before: str) -> str:
    if to == "active":
        if before == "active":
            return "Renewed"
        return "Reinstated" if before in ("lapsed", "cancelled", "grace") else "Activated"
    if to == before == "applied":
        return "Paid before approval"
    return _STEPS.get(to, to)


def membership_steps(*, organization_id: int) -> TimelineRead:
    def says(r: Row) -> list[tuple[Any, str]]:
        reason = f" ({r['reason']})" if r["reason"] else ""
        return [(r["at"], f"{_step(r['to'], r['before'])}: {r['plan']} membership{reason}")]

    return TimelineRead(
        rows=MembershipTransition.objects.filter(
            membership__organization_id=organization_id
        ).order_by("-at", "-pk"),
        kind="membership",
        admin="crm_membership",
        link="membership_id",
        fields={
            "at": "at",
            "to": "to_status",
            "before": "from_status",
            "plan": "membership__plan__name",
            "reason": "reason",
        },
        says=says,
    )


def plan_changes(*, organization_id: int) -> TimelineRead:
    def says(r: Row) -> list[tuple[Any, str]]:
        kind = label(MembershipPlanChange, "kind", r["kind"])
        status = label(MembershipPlanChange, "status", r["status"]).lower()
        return [
            (
                r["at"],
                f"Plan change from {r['from']} to {r['to']}: {kind}, {status}, "
                f"effective {r['effective']:%b %-d, %Y}",
            )
        ]

    return TimelineRead(
        rows=MembershipPlanChange.objects.filter(
            membership__organization_id=organization_id
        ).order_by("-requested_at", "-pk"),
        kind="plan",
        admin="crm_membership",
        link="membership_id",
        fields={
            "at": "requested_at",
            "from": "from_plan__name",
            "to": "to_plan__name",
            "kind": "kind",
            "status": "status",
            "effective": "effective_date",
        },
        says=says,
    )


def notes(*, organization_id: int) -> TimelineRead:
    def says(r: Row) -> list[tuple[Any, str]]:
        by = f" by {r['author']}" if r["author"] is not None else ""
        return [(r["at"], f"Note{by}: {r['body'][:200]}")]

    return TimelineRead(
        rows=Note.objects.filter(organization_id=organization_id).order_by("-created", "-pk"),
        kind="note",
        admin="crm_note",
        fields={"at": "created", "author": "author__username", "body": "body"},
        says=says,
    )


def interactions(*, organization_id: int) -> TimelineRead:
    def says(r: Row) -> list[tuple[Any, str]]:
        who = person(r["first"], r["last"])
        with_ = f" with {who}" if who is not None else ""
        kind = label(Interaction, "kind", r["kind"])
        return [(r["on"], f"{kind}{with_}: {r['summary'][:200]}")]

    return TimelineRead(
        rows=Interaction.objects.filter(organization_id=organization_id).order_by(
            "-occurred_on", "-pk"
        ),
        kind="interaction",
        admin="crm_interaction",
        fields={
            "on": "occurred_on",
            "kind": "kind",
            "first": "contact__first_name",
            "last": "contact__last_name",
            "summary": "summary",
        },
        says=says,
    )


def mails(*, organization_id: int) -> TimelineRead:
    def says(r: Row) -> list[tuple[Any, str]]:
        sent = r["status"] == EmailLog.Status.SENT
        status = "" if sent else f" ({label(EmailLog, 'status', r['status']).lower()})"
        return [(r["at"], f"Mail “{r['subject']}” to {r['recipients']}{status}")]

    return TimelineRead(
        rows=EmailLog.objects.filter(organization_id=organization_id).order_by("-queued_at", "-pk"),
        kind="mail",
        fields={
            "at": "queued_at",
            "subject": "subject",
            "recipients": "recipients",
            "status": "status",
        },
        says=says,
    )


# --- the ledger (billing's models, read here: billing imports no crm selector) ---------------


def invoices(*, organization_id: int) -> TimelineRead:
    """Each invoice's issue, payment in full and voiding (or writing off), as they happened."""

    def says(r: Row) -> list[tuple[Any, str]]:
        what = f"Invoice {r['number']} ({label(Invoice, 'kind', r['kind']).lower()}) "
        said: list[tuple[Any, str]] = []
        if r["issued"]:
            said.append((r["issued"], f"{what}issued for {format_usd(r['total'])}"))
        if r["paid"]:
            said.append((r["paid"], f"{what}paid"))
        if r["status"] in (Invoice.Status.VOID, Invoice.Status.UNCOLLECTIBLE):
            status = label(Invoice, "status", r["status"]).lower()
            said.append((r["changed"] or r["modified"], f"{what}{status}"))
        return said

    return TimelineRead(
        rows=Invoice.objects.filter(organization_id=organization_id)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("-created", "-pk"),
        kind="invoice",
        admin="billing_invoice",
        fields={
            "number": "number",
            "kind": "kind",
            "total": "total",
            "issued": "issue_date",
            "paid": "paid_at",
            "status": "status",
            "changed": "status_changed_at",
            "modified": "modified",
        },
        says=says,
    )


def payments(*, organization_id: int) -> TimelineRead:
    def says(r: Row) -> list[tuple[Any, str]]:
        method = label(Payment, "method", r["method"])
        status = label(Payment, "status", r["status"]).lower()
        received = f", received {r['received']:%b %-d, %Y}" if r["received"] else ""
        failure = f": {r['failure']}" if r["failure"] else ""
        return [
            (
                r["at"],
                f"Payment {method} {format_usd(r['amount'])} ({status}) on invoice "
                f"{r['invoice']}{received}{failure}",
            )
        ]

    return TimelineRead(
        rows=Payment.objects.filter(invoice__organization_id=organization_id).order_by(
            "-created", "-pk"
        ),
        kind="payment",
        admin="billing_payment",
        fields={
            "at": "created",
            "method": "method",
            "amount": "amount",
            "status": "status",
            "invoice": "invoice__number",
            "received": "received_on",
            "failure": "failure_message",
        },
        says=says,
    )


def refunds(*, organization_id: int) -> TimelineRead:
    def says(r: Row) -> list[tuple[Any, str]]:
        status = label(Refund, "status", r["status"]).lower()
        return [
            (
                r["at"],
                f"Refund of {format_usd(r['amount'])} on invoice {r['invoice']} "
                f"({status}): {r['reason'][:200]}",
            )
        ]

    return TimelineRead(
        rows=Refund.objects.filter(payment__invoice__organization_id=organization_id).order_by(
            "-created", "-pk"
        ),
        kind="refund",
        admin="billing_refund",
        fields={
            "at": "created",
            "amount": "amount",
            "invoice": "payment__invoice__number",
            "status": "status",
            "reason": "reason",
        },
        says=says,
    )


def disputes(*, organization_id: int) -> TimelineRead:
    def says(r: Row) -> list[tuple[Any, str]]:
        invoice = r["invoice"] if r["payment"] is not None else "—"
        reason = f": {r['reason']}" if r["reason"] else ""
        return [
            (
                r["at"],
                f"Dispute of {format_usd(r['amount'])} on invoice {invoice} "
                f"({r['status'] or 'open'}){reason}",
            )
        ]

    return TimelineRead(
        rows=Dispute.objects.filter(payment__invoice__organization_id=organization_id).order_by(
            "-created", "-pk"
        ),
        kind="dispute",
        admin="billing_dispute",
        fields={
            "at": "created",
            "amount": "amount",
            "payment": "payment_id",
            "invoice": "payment__invoice__number",
            "status": "status",
            "reason": "reason",
        },
        says=says,
    )


CRM_SOURCES: dict[str, Callable[..., TimelineRead]] = {
    "membership": membership_steps,
    "plan": plan_changes,
    "note": notes,
    "interaction": interactions,
    "mail": mails,
    "invoice": invoices,
    "payment": payments,
    "refund": refunds,
    "dispute": disputes,
}


def register_crm_sources() -> None:
    for name, source in CRM_SOURCES.items():
        register_timeline_source(name, source)
